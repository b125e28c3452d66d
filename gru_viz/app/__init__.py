"""The explorer app's wing: everything behind streamlit_app.py that is not a Streamlit call.

settings   the GRU_VIZ_* limits, read from the environment once
slots      the cap on trainings at once, with a first-come line
jobs       one background training, its status and how it reads on the page
workspace  which model a browser session uses: the shared one, its own, a live training
cache      analyses of a model, computed once per model and shared by every session
runtime    process tuning for a server that imports TensorFlow (memory, XLA warm-up)
page       the page's wording and choices, as plain functions pytest can reach
launch     start the app with deploy/serve on a loopback port (tests, benchmarks)
serve      the server start command (deploy/serve): settings, port check, warm-up, Streamlit
replicas   several servers behind nginx with sticky sessions (deploy/replicas)

Nothing here imports Streamlit, and nothing imports TensorFlow at import time.
"""
