"""Streamlit dashboard: `streamlit run app.py`. Routes to one page per file in `app_pages/`."""

import streamlit as st

st.set_page_config(page_title="Tweet emotions", page_icon="🐦", layout="wide")

pages = [
    st.Page("app_pages/predict.py", title="Predict", icon="🔮", default=True),
    st.Page("app_pages/batch.py", title="Batch", icon="📄"),
    st.Page("app_pages/compare.py", title="Compare", icon="📊"),
    st.Page("app_pages/train.py", title="Train", icon="🏋️"),
]
st.navigation(pages).run()
