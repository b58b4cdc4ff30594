"""Who is on the calls: Helpdeskly's own staff and the six demo customers.

All names, companies and numbers are fictional. The customers match the demo workspace that
scripts/demo/demo.sh creates (name, domain, MRR).
"""

VENDOR = "Helpdeskly"
VENDOR_DOMAIN = "helpdeskly.example"

# key -> (name, title, Gong userId). userIds are stable across calls, as in Gong.
STAFF = {
    "sam": ("Sam Ortega", "Account Executive", "734190552018846"),
    "maya": ("Maya Lindqvist", "Senior Account Executive", "734190552019173"),
    "priya": ("Priya Natarajan", "Solutions Engineer", "734190552020408"),
    "jonas": ("Jonas Becker", "Customer Success Manager", "734190552021659"),
    "theo": ("Theo Park", "Product Manager", "734190552022981"),
    "rachel": ("Rachel Adeyemi", "VP of Sales", "734190552023307"),
}


def staff_email(key):
    first, last = STAFF[key][0].lower().split(" ", 1)
    return f"{first}.{last.replace(' ', '')}@{VENDOR_DOMAIN}"


# key -> customer. "contacts": (name, title); "context": things their people say about how
# they work today (never a request); "owner": the account executive; "csm": success manager.
CUSTOMERS = {
    "northwind": {
        "name": "Northwind Logistics", "short": "Northwind", "domain": "northwind.example",
        "mrr": 12500, "owner": "sam", "csm": "jonas",
        "sf_account": "0015g00000NwLgAAA2",
        "contacts": [
            ("Dana Whitfield", "Head of Customer Support"),
            ("Marcus Oyelaran", "Support Operations Lead"),
            ("Elena Petrov", "IT Manager"),
        ],
        "context": [
            "We have about forty agents across two shifts, mostly answering shipment tracking questions.",
            "Peak season starts in November, and volume roughly doubles until mid January.",
            "Most of our tickets come from the carrier portal and from plain email.",
            "The drivers' dispatch team sits in the same inbox as customer support, which gets noisy.",
            "We moved off our old ticketing tool in the spring, so people are still learning the ropes.",
            "A lot of our customers are small shops that write in three times about the same pallet.",
        ],
    },
    "globex": {
        "name": "Globex Health", "short": "Globex", "domain": "globex.example",
        "mrr": 8400, "owner": "maya", "csm": "jonas",
        "contacts": [
            ("Aisha Rahman", "Director of Patient Services"),
            ("Tom Keller", "Support Team Lead"),
            ("Grace Liu", "Compliance Officer"),
        ],
        "context": [
            "We run patient services for eleven clinics, so a lot of our email is appointment changes.",
            "Anything that touches patient data has to go through Grace and the compliance team first.",
            "Our team is twenty-two people, about half of them part time.",
            "We get a big spike every January when insurance plans change over.",
            "Most patients write in from their phones, so the messages are short and a bit messy.",
        ],
    },
    "initech": {
        "name": "Initech Software", "short": "Initech", "domain": "initech.example",
        "mrr": 4200, "owner": "sam", "csm": "jonas",
        "contacts": [
            ("Bill Kowalski", "VP Customer Experience"),
            ("Nina Sharma", "Support Engineering Lead"),
            ("Oscar Delgado", "Operations Analyst"),
        ],
        "context": [
            "We're a B2B software shop, so our tickets are long and fairly technical.",
            "Support is twelve people, and engineering joins threads whenever there's a bug.",
            "Our customers are mostly finance teams, so month end is always our busiest week.",
            "We escalate to engineering through Jira, and that part works well already.",
            "Half of the team is remote, spread over three time zones.",
        ],
    },
    "umbrella": {
        "name": "Umbrella Retail", "short": "Umbrella", "domain": "umbrella.example",
        "mrr": 15800, "owner": "maya", "csm": "jonas",
        "sf_account": "0015g00000UmBrAAA7",
        "contacts": [
            ("Claire Dubois", "Director of Customer Care"),
            ("Raj Mehta", "Customer Care Manager"),
            ("Hannah Berg", "IT Systems Lead"),
        ],
        "context": [
            "We have a hundred and twenty stores and one central customer care team of about sixty.",
            "Returns and refunds are easily half of what comes into the inbox.",
            "We just opened our first stores outside the US, in Quebec and in Mexico.",
            "Black Friday is the week that decides whether our care team survives the year.",
            "Store managers also email us, and those need to be handled separately from shoppers.",
            "We roll out new tools region by region, so a pilot usually runs for a couple of months.",
        ],
    },
    "hooli": {
        "name": "Hooli Travel", "short": "Hooli", "domain": "hooli.example",
        "mrr": 2900, "owner": "sam", "csm": "jonas",
        "contacts": [
            ("Leo Fischer", "Customer Service Manager"),
            ("Sofia Marino", "Bookings Team Lead"),
        ],
        "context": [
            "We're a small team of nine handling bookings, changes and the occasional lost passport.",
            "A couple of our agents travel with the tour groups, so they work from their phones a lot.",
            "Summer is our busy season, right now it's fairly calm.",
            "Most of our customers book through partners, so we also deal with a lot of agencies.",
        ],
    },
    "vandelay": {
        "name": "Vandelay Imports", "short": "Vandelay", "domain": "vandelay.example",
        "mrr": 6100, "owner": "maya", "csm": "jonas",
        "contacts": [
            ("Frank Costa", "Operations Director"),
            ("Ivy Chen", "Customer Service Supervisor"),
            ("Paul Nakamura", "Finance Manager"),
        ],
        "context": [
            "We import kitchenware and sell to about four hundred retailers, so it's mostly B2B email.",
            "The service team is fifteen people, and finance looks at the inbox for invoice disputes.",
            "Orders spike before the holidays, and then again in the spring.",
            "A lot of questions are about customs delays, which we can't do much about.",
            "Our auditors come in every quarter and ask for records of customer complaints.",
        ],
    },
}


def customer_email(customer_key, person_name):
    first, last = person_name.lower().split(" ", 1)
    return f"{first[0]}{last.replace(' ', '')}@{CUSTOMERS[customer_key]['domain']}"
