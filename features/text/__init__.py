"""Text features: a tweet read once (`tokenize`), then every feature group as a sparse matrix product over the
batch's distinct tokens: the NRC lexicons, lexicons learned from the training labels, word vectors, surface cues.
`make_text_features` (in `pipeline`) puts them side by side."""
