"""batch page (being built)."""

import streamlit as st

st.title("Batch")
st.info("This page is being built.")
