# The explorer as a container, served by the same start command as everywhere (deploy/serve):
#   docker build -t gru-viz . && docker run --rm -p 8501:8501 gru-viz
# The base is any Debian-like image with Python 3.10 or newer and its venv module: the public
# python:3.11-slim by default, or, where no registry is reachable, a Debian bookworm root file
# system made from Debian's packages (deploy/base-image, which .ci/run uses):
#   docker build --build-arg BASE=localhost/gru-viz-base:bookworm -t gru-viz .
# It listens on $PORT (8501; Hugging Face Spaces wants 7860) at once; the first page loads and
# compiles the model in the background. Mount a volume on /home/app/.cache to keep compiled XLA code between
# containers (a warm start).
ARG BASE=python:3.11-slim
FROM ${BASE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    TF_CPP_MIN_LOG_LEVEL=3 \
    PORT=8501 \
    GRU_VIZ_ADDRESS=0.0.0.0 \
    GRU_VIZ_XLA_CACHE=/home/app/.cache/gru-viz \
    PYTHON=/opt/venv/bin/python \
    PATH=/opt/venv/bin:$PATH

# UID 1000, as Hugging Face Spaces runs containers; its cache directory exists so that a volume
# mounted there belongs to it.
RUN useradd --create-home --no-log-init --uid 1000 app \
    && mkdir /home/app/.cache && chown 1000:1000 /home/app/.cache
WORKDIR /app

# A virtual environment, the same on a Debian python3 base and on python:3.11-slim; with
# tensorflow-cpu on x86_64 Linux (requirements.txt). The layer stays cached until it changes.
COPY requirements.txt ./
RUN python3 -m venv /opt/venv && /opt/venv/bin/pip install --no-cache-dir -r requirements.txt

# Only what the app needs, owned by root and read-only to the user that runs it.
COPY streamlit_app.py ./
COPY .streamlit/config.toml .streamlit/config.toml
COPY gru_viz/ gru_viz/
COPY assets/*.npz assets/
COPY assets/results/ assets/results/
COPY deploy/serve deploy/serve

USER 1000
EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; u.urlopen('http://127.0.0.1:%s/_stcore/health' % os.environ.get('PORT', '8501'), timeout=4)"]
CMD ["deploy/serve"]
