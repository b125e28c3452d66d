"""The deployment files agree with each other and with the start command.

The validators run in .ci/run (hadolint on the Dockerfile, kubernetes-validate on deploy/k8s,
docker-compose config on deploy/compose.yaml); these tests check what no validator knows: that
nginx accepts deploy/nginx.conf once filled in, that the compose file fills in all of it, that
the image gets every file it copies, and that ports and health checks line up.
"""

import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from gru_viz.app import replicas, serve

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"


def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def test_nginx_accepts_the_filled_in_template(tmp_path):
    reason = replicas.nginx_missing()
    if reason and os.environ.get("CI"):
        pytest.fail(f"{reason}, and CI is set")
    if reason:
        pytest.skip(reason)
    conf = tmp_path / "nginx.conf"
    conf.write_text(replicas.nginx_config("127.0.0.1:8500", ["127.0.0.1:8501"], tmp_path))
    assert "@" not in re.sub(r"#.*", "", conf.read_text())
    command = [replicas.nginx_binary(), "-t", "-p", str(tmp_path), "-e", str(tmp_path / "e.log")]
    check = subprocess.run([*command, "-c", str(conf)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


def test_compose_fills_in_every_placeholder_of_the_nginx_template():
    placeholders = set(re.findall(r"@[A-Z]+@", (DEPLOY / "nginx.conf").read_text()))
    assert placeholders == {"@LISTEN@", "@UPSTREAMS@", "@RUNDIR@"}
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    nginx = compose["services"]["nginx"]
    script = nginx["command"][-1]
    assert all(f"s/{name}/" in script or f"s#{name}#" in script for name in placeholders)
    assert "./nginx.conf:/etc/gru-viz/nginx.conf.template:ro" in nginx["volumes"]
    assert "server app:8501" in script and replicas.UPSTREAM_PARAMETERS in script


def test_the_image_gets_every_file_it_copies_and_nothing_else():
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    allowed = {line[1:] for line in ignored if line.startswith("!")}
    sources = [line.split()[1] for line in dockerfile().splitlines() if line.startswith("COPY ")]
    assert sorted(sources) == sorted(allowed)
    for source in sources:
        assert list(ROOT.glob(source.rstrip("/"))), f"{source} matches no file"
    assert "*" in ignored  # everything else stays out of the build context


def test_ports_and_health_checks_line_up():
    text = dockerfile()
    assert f"PORT={serve.DEFAULT_PORT}" in text and f"EXPOSE {serve.DEFAULT_PORT}" in text
    assert "/_stcore/health" in text and 'CMD ["deploy/serve"]' in text
    deployment = yaml.safe_load((DEPLOY / "k8s" / "deployment.yaml").read_text())
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["ports"][0]["containerPort"] == serve.DEFAULT_PORT
    assert {"name": "PORT", "value": str(serve.DEFAULT_PORT)} in container["env"]
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"]["path"] == "/_stcore/health"
    ingress = yaml.safe_load((DEPLOY / "k8s" / "ingress.yaml").read_text())
    annotations = ingress["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    service = yaml.safe_load((DEPLOY / "k8s" / "service.yaml").read_text())
    assert service["spec"]["sessionAffinity"] == "ClientIP"


def test_start_scripts_are_executable():
    for name in ("serve", "replicas", "base-image"):
        assert os.access(DEPLOY / name, os.X_OK), f"deploy/{name} is not executable"


def test_the_image_builds_on_any_base_into_a_venv_its_commands_use():
    """python:3.11-slim by default, the Debian base of deploy/base-image in CI: the same venv."""
    lines = dockerfile().splitlines()
    assert "ARG BASE=python:3.11-slim" in lines and "FROM ${BASE}" in lines
    assert lines.index("ARG BASE=python:3.11-slim") < lines.index("FROM ${BASE}")
    text = dockerfile()
    assert "python3 -m venv /opt/venv" in text and "PATH=/opt/venv/bin:$PATH" in text
    assert "PYTHON=/opt/venv/bin/python" in text  # deploy/serve's interpreter
    assert "python3-venv" in (DEPLOY / "base-image").read_text()


def test_the_readme_command_runs_without_a_file_watcher():
    """`streamlit run streamlit_app.py` reads .streamlit/config.toml: with the .venv inside the
    checkout, a file watcher would keep a core busy while a tab is open."""
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["fileWatcherType"] == "none"
    assert config["server"]["runOnSave"] is False


def test_the_page_and_its_figures_share_one_background_in_each_look():
    """A figure sits on the page's own colour, light or dark, not in a box of another (the
    page's backgrounds are set in .streamlit/config.toml, the figures' in their theme)."""
    import tomllib

    from gru_viz.figures.theme import THEMES

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    for name, theme in THEMES.items():
        assert config["theme"][name]["backgroundColor"].lower() == theme.background.lower(), name
        assert theme.plot_background == theme.background, name
