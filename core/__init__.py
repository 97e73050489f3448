"""The library behind the dashboard: corpora, tokenizers, tiny models, training and runs.

Nothing in this package imports Streamlit; every function serves the pages, the CLIs and the tests alike.
"""
