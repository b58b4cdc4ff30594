-- The matcher's vectors, kept with the features so a restart re-embeds nothing.
-- embedding holds the values; embedding_index the 32-bit n-gram hashes of a sparse (offline)
-- vector, NULL for a dense one (a provider embedding); embedding_model names what made them
-- ("offline-ngram-1", "text-embedding-3-small", "text-embedding-3-small@256"), so a matcher
-- using another model knows to embed the feature again instead of comparing apples to pears.
ALTER TABLE features ADD COLUMN embedding_index integer[];
ALTER TABLE features ADD COLUMN embedding_model text;

-- The matcher reloads a workspace's catalogue when the CLI changes its features:
-- NOTIFY callsift_features, '<workspace id>'.
