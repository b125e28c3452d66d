"""The explorer app's wing: everything behind streamlit_app.py.

Plain functions and objects, which pytest reaches without a browser:

settings   the GRU_VIZ_* limits, read from the environment once
slots      the cap on trainings at once, with a first-come line
jobs       one background training, its status and how it reads on the page
workspace  which model a browser session uses: the shared one, its own, a live training
cache      analyses of a model, computed once per model and shared by every session
runtime    process tuning for a server that imports TensorFlow (memory, XLA warm-up)
links      what the page's link holds, and links that retrain a model
panel      the sidebar's choices: the model, units switched off, the training panel
wording    the page's text: the sums, the verdict, notes, text from outside shown literally
look       the theme for the viewer's light or dark choice, and presentation mode
launch     start the app with deploy/serve on a loopback port (tests, benchmarks)
serve      the server start command (deploy/serve): settings, port check, Streamlit
replicas   several servers behind nginx with sticky sessions (deploy/replicas)

Streamlit layout, calling the above and gru_viz.views:

resources  what all sessions of a server share (cache_resource)
widgets    a view drawn with its downloads, notes, parts of a page that poll
session    one browser session: its workspace, its model, a training link
sidebar    the model panel and the training panel
pages/     one module per tab

Nothing imports TensorFlow at import time; gru_viz.quiet imports it, without its C++ log.
"""
