"""Streamlit dashboard entry point (placeholder until the dashboard issue)."""

import streamlit as st

st.set_page_config(page_title="Tweet emotions", page_icon="🐦")
st.title("Tweet emotion classifier")
st.info("The dashboard is being built: text and image features come first. Use `python -m pytest` to check the install.")
