"""bench/eec_words.py: which EEC emotion words the bundled NRC lexicons file under their corpus emotion."""

def test_the_lexicons_file_furious_under_anger_and_not_vexing(bench_script):
    filed = bench_script("eec_words").filed_words()
    assert {("furious", "anger"), ("terrified", "fear"), ("happy", "joy"), ("sad", "sadness")} <= filed
    assert not {("vexing", "anger"), ("discouraged", "fear"), ("serious", "sadness")} & filed
    assert ("happy", "anger") not in filed
