"""Conversational filler: greetings, small talk, reactions, acknowledgements and goodbyes.

None of these sentences is a feature request or a bug report.
"""

# Said by whoever opens the call (Helpdeskly).
GREETINGS = [
    "Hi everyone, thanks for making the time today.",
    "Hey, good to see you all again.",
    "Hi there, can you hear me okay?",
    "Morning, or I guess afternoon on your side.",
    "Hello hello, thanks for jumping on.",
    "Hi, sorry for the two minute delay, my previous call ran over.",
]

GREETING_REPLIES = [
    "Yes, loud and clear.",
    "Hi, good to see you too.",
    "No worries at all, we just got here ourselves.",
    "Hey, thanks for setting this up.",
    "We can hear you fine, your video is a bit frozen but that's okay.",
    "Hi, yes, all good on our end.",
]

# Small talk, as (question, answer, comment) triples.
SMALL_TALK = [
    ("How was your weekend?", "Pretty quiet, we finally got some rain so the garden is happy.", "Ha, a happy garden is a good weekend."),
    ("Are you in the office today?", "Working from home, the office is being repainted this week.", "Lucky you, no paint fumes."),
    ("Did you end up going to that conference in Denver?", "I did, too many booths and not enough coffee, but it was fun.", "Ha, that sounds about right."),
    ("How's the new puppy doing?", "Chewing everything, including my headphones, but very cute.", "Classic puppy, it gets better."),
    ("Is it still as hot over there?", "It finally cooled down, it actually feels like October now.", "Nice, enjoy it while it lasts."),
    ("Did your team survive the offsite?", "Barely, there was an escape room involved and we did not escape.", "Ha, there's always next year."),
    ("How was the trip back?", "Long, but the flight was on time for once, so no complaints.", "That's a small miracle these days."),
    ("Are you watching the game tonight?", "Only if the kids let me, we'll see.", "Well, fingers crossed."),
    ("Any plans for the long weekend?", "Just visiting family, nothing exciting.", "That sounds nice, honestly."),
    ("How's the move going?", "Boxes everywhere, but the internet works, which is all that matters.", "Priorities, exactly."),
    ("Did you get the coffee machine fixed?", "We did, and productivity is back to normal.", "Good, that's a relief."),
    ("How's the marathon training going?", "My knees have opinions, but I'm still on track.", "Oof, take it easy on them."),
    ("Is that a new background?", "It's a real window, believe it or not, we moved desks.", "Nice view, I'm jealous."),
    ("How was the holiday?", "Too short, as always, but really nice.", "Glad you got some time off."),
    ("Did the storm hit you last week?", "We lost power for an afternoon, but nothing worse.", "Oh no, glad it wasn't worse."),
    ("Are you keeping busy?", "Always, but the good kind of busy at the moment.", "That's the best kind."),
]

# Short reactions; they may repeat.
BACKCHANNELS = [
    "Right.", "Mm-hmm.", "Okay.", "Got it.", "Sure.", "Yeah.", "Makes sense.", "Understood.",
    "Yep.", "Okay, cool.", "Right, right.", "Interesting.",
]

# A customer reacting to something Helpdeskly showed or announced (never a request).
REACTIONS = [
    "Oh nice, that could be useful for us.",
    "Interesting, we'd have to see it in action.",
    "Okay, good to know.",
    "Our team would probably like that.",
    "That sounds promising.",
    "Huh, I didn't know that was coming.",
    "Cool, let's see how it does.",
    "That would be handy during peak season.",
    "Okay, that's reassuring.",
    "Nice, I'll mention it to the team.",
    "Sure, we'll keep an eye out for it.",
    "That looks cleaner than what we have today.",
    "Okay, that's better than I expected.",
    'Good, that answers my question.',
    'Right, I remember you mentioned that last time.',
    "I like that, it's simple.",
    "Hmm, okay, I'd want our team leads to see that.",
    "That's neat.",
    'Okay, noted.',
    'Fine by me.',
]

# What a customer says about how things are going (never a request or a bug).
STATUS_UPDATES = [
    "Overall the team has really taken to the shared inbox.",
    "Volume has been pretty steady since the summer.",
    "We onboarded the new hires last week and they picked it up quickly.",
    "Honestly the inbox itself works great for us, no complaints there.",
    "Tags have made triage a lot faster than before.",
    "We still have a couple of people forwarding things from their personal mailbox, but it's getting better.",
    "The saved replies are getting a lot of use.",
    "Response times are down quite a bit compared to last quarter.",
    "We cleaned up our tags last month, there were way too many.",
    "People like that they can see who else is looking at a thread.",
    "We set up a separate inbox for billing questions and that helped.",
    "The reports page is the first thing our team lead opens in the morning.",
    "We're using the business hours feature for weekends now.",
    "Adoption is good, everyone is in the tool every day.",
    "We had a rough week with a shipping partner outage, but the team handled it well.",
    "The rules you helped us set up are doing most of the sorting now.",
    'The night shift finally trusts the assignment rules.',
    'We retired the old shared mailbox completely last month.',
    'Our team leads check the reports every morning now.',
    'The satisfaction survey scores have been better than we expected.',
    'Training new people takes about half the time it used to.',
    "We've been closing more conversations on the first reply.",
    'Things calmed down a lot after the summer rush.',
    "The billing team started using their own inbox and they're happy with it.",
]

# Helpdeskly asking about the customer's setup (answered from the customer's "context").
DISCOVERY_QUESTIONS = [
    "Can you give me a quick picture of how the team works today?",
    "Tell me a bit about where your tickets come from.",
    "What does a typical week look like for your agents?",
    "How is the support side organised, roughly?",
    "What should we know about your business before I show you anything?",
    "What's the rhythm of the year like for you?",
]

# Helpdeskly asking how things are going (answered with STATUS_UPDATES).
STATUS_QUESTIONS = [
    "How has the last month been for the team?",
    "How are things going with the rollout?",
    "Anything new since we last spoke?",
    "How's the team getting on with the tool?",
    "What's the general mood on your side?",
    "How did the busy week go?",
]

# Helpdeskly's open questions, with the customer's answer.
QUESTION_PAIRS = [
    ("How are you handling reporting to leadership today?", "Mostly spreadsheets and a lot of copy and paste, to be honest."),
    ("How has the last quarter felt overall?", "It's been okay, busy but manageable."),
    ("How many people would end up in the tool?", "Probably the whole team, so around thirty people."),
    ("What would make this a success for you by the end of the year?", "I'd say getting everyone off the old mailbox completely."),
    ("Who else on your side should we loop in?", "Our team leads, and maybe someone from IT."),
    ("Is there anything you'd change about the setup we did?", "Nothing major, it's mostly small things."),
    ("What are your goals for next quarter?", "We'd want faster response times and fewer dropped threads."),
    ("What's the biggest change on your side since we last spoke?", "Mostly headcount, we grew faster than planned."),
    ("How are the new people getting on?", "They're fine, the first week is always a bit bumpy."),
    ("Is the team still split across the same shifts?", "Same shifts, but we added a few weekend hours."),
    ("What does your leadership look at every week?", "Response times and the backlog, mostly."),
    ("Where do things still slip through the cracks?", "Handovers, I'd say, but it's better than it was."),
    ("How are you feeling about the next couple of months?", "Cautiously optimistic, honestly."),
    ("Any changes in the budget situation?", "Not really, same as we discussed in the summer."),
]

# Helpdeskly acknowledging a customer request.
ACKS = [
    "That makes sense, I'll write it up for our product team.",
    "Good to know, I'll add your vote to that one.",
    "That's come up before, I'll share your use case with product.",
    "Understood, let me take that back and see where it sits on the roadmap.",
    "I can't promise a date, but I'll make sure product hears it.",
    "Thanks, that's really helpful context.",
    "Got it, I'm noting that down.",
    "Okay, I'll follow up with our product manager on that.",
    "Fair point, I'll log it so it doesn't get lost.",
    "I hear you, let me see what the team says.",
]

# A customer explaining how urgent a request is (after the vendor asks).
URGENCY_QUESTIONS = [
    "How important is that compared to the other things on your list?",
    "Would that block you, or is it more of a nice-to-have?",
    "Is that something you need before peak season?",
]

URGENCY_ANSWERS = [
    "It's pretty high up, I'd say top three.",
    "Not a blocker, but it would make life easier.",
    "It matters more to the team leads than to me, but they ask often.",
    "Honestly, it comes up every week.",
    "We can live without it for a few months.",
]

# Helpdeskly responding to a bug report.
BUG_LEADINS = [
    "One thing I wanted to flag, and it's a bug, not a wish.",
    "Before I forget, something's been broken on our side.",
    "Also, we've been running into an issue.",
    "Can I raise a problem while I have you?",
]

BUG_RESPONSES = [
    "Sorry about that, that's definitely not expected.",
    "Thanks for flagging it, I'll open a ticket with our support engineers right after the call.",
    "That sounds like a regression, I'll get someone to look at it today.",
    "Could you send me a screenshot or two so engineering can reproduce it?",
    "I'll chase that personally and get back to you by end of week.",
]

# How a customer turns to something they want (put before a request).
REQUEST_LEADINS = [
    "Actually, while we're on the topic.",
    "There's one more thing I wanted to bring up.",
    "Okay, so, something the team mentioned last week.",
    "Can I add something here?",
    "This reminds me of something.",
]

# Setting the agenda, by kind of call.
AGENDA = {
    "demo": [
        "I'd like to start with what you're seeing, and then I can show you a few things.",
        "The plan is a short demo, and then we talk about next steps.",
        "I'll share my screen in a minute, but first I want to hear about your setup.",
    ],
    "review": [
        "So for today I thought we'd do a quick round of updates and then leave time for questions.",
        "Let's keep it tight, I know you're busy.",
        "I have a few numbers to share, and then it's your time.",
    ],
    "commercial": [
        "Today I'd like to go through the commercials and answer any questions on the proposal.",
        "I mainly want to walk through the numbers and the paperwork.",
    ],
}

AGENDA_REPLIES = [
    "Sounds good to me.",
    "Works for us.",
    "Perfect, let's do it.",
    "Sure, that's fine.",
]

# End of the call.
NEXT_STEPS = [
    "So for next steps, I'll send over a recap and the slides from today.",
    "I'll put together a short summary and share it by tomorrow.",
    "Let's find time next week to go through the rest.",
    "I'll loop in our solutions engineer for the technical questions.",
    "I'll send a calendar invite for the follow-up.",
]

GOODBYES = [
    "Thanks everyone, this was really helpful.",
    "Great, talk soon.",
    "Have a good rest of your day.",
    "Thanks, bye for now.",
    "Perfect, thanks for your time.",
]

GOODBYE_REPLIES = [
    "Thanks, you too.",
    "Bye, talk soon.",
    "Thanks, see you next week.",
    "Sounds good, bye everyone.",
]
