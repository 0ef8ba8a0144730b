"""Streamlit dashboard: `streamlit run app.py`. Routes to one page per file in `app_pages/`."""

import streamlit as st

st.set_page_config(page_title="Tweet emotions", page_icon="🐦", layout="wide")

# What a user chose or typed, kept while another page is shown: Streamlit drops a widget's state on a run that does
# not draw it, and coming back found the tweet box empty, the model back to the default, Batch's result gone.
# Assigned again on every run, these keys are the page's own values, not widgets' (uploaded files cannot be kept).
KEPT = ("model", "tweet", "batch_source", "compare_model_a", "compare_model_b", "compare_set")
for key in KEPT:
    if key in st.session_state:
        st.session_state[key] = st.session_state[key]

pages = [
    st.Page("app_pages/predict.py", title="Predict", icon="🔮", default=True),
    st.Page("app_pages/batch.py", title="Batch", icon="📄"),
    st.Page("app_pages/compare.py", title="Compare", icon="📊"),
    st.Page("app_pages/train.py", title="Train", icon="🏋️"),
]
st.navigation(pages).run()
