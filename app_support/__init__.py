"""The app's glue to Streamlit: caching, the shared sidebar, uploads and dataset views.

Pages import from here and from `avcore`; `avcore` never imports from here.
"""
