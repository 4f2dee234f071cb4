"""Static checks of docker-compose.yml and the Dockerfile (no Docker engine here)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"


def _compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(data, dict)
    return data


def _logward_services() -> dict[str, list[str]]:
    services = _compose()["services"]
    return {
        name: [str(part) for part in svc["command"]]
        for name, svc in services.items()
        if str(svc.get("image", "")).startswith("logward:")
    }


def test_compose_is_valid_against_the_compose_spec() -> None:
    """docker-compose.yml validates against the compose-spec JSON schema."""
    beside = Path(sys.executable).with_name("check-jsonschema")
    tool = shutil.which("check-jsonschema") or str(beside)
    result = subprocess.run(
        [tool, "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert 0 == result.returncode, result.stdout + result.stderr


def test_every_image_is_pinned() -> None:
    """Every image names an explicit version tag, never latest or an untagged name."""
    for name, svc in _compose()["services"].items():
        image = svc.get("image")
        assert image, f"service {name} has no image"
        tag = image.rsplit(":", 1)[-1] if ":" in image.split("/")[-1] else ""
        assert re.fullmatch(r"\d+(\.\d+)+", tag), f"service {name}: image {image} is not pinned"


def test_dockerfile_pins_base_and_runs_as_non_root() -> None:
    """The Dockerfile is multi-stage, pins its base image and drops root."""
    text = (ROOT / "Dockerfile").read_text()
    bases = re.findall(r"^FROM\s+(\S+)", text, flags=re.MULTILINE)
    assert len(bases) >= 2
    for base in bases:
        assert re.search(r":\d+\.\d+\.\d+", base), base
    assert re.search(r"^USER\s+(?!root)\S+", text, flags=re.MULTILINE)


def test_dockerfile_copies_what_the_wheel_build_reads() -> None:
    """The build stage copies the build hook and the compile script it runs (a
    missing hook file fails hatchling's build), and has a C compiler for mypyc."""
    text = (ROOT / "Dockerfile").read_text()
    build_stage = text.split("\nFROM ", 2)[1]
    copied = {
        word.rstrip("/")
        for line in re.findall(r"^COPY\s+(?!--from)(.+)$", build_stage, flags=re.MULTILINE)
        for word in line.split()[:-1]
    }
    hook = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["hatch"]["build"]
    assert hook["targets"]["wheel"]["hooks"]["custom"]["path"] in copied
    assert {"tools", "pyproject.toml", "scrubber", "detectors", "logward_base"} <= copied
    assert re.search(r"apt-get install .*\bgcc\b", build_stage)


def test_published_ports_bind_to_loopback() -> None:
    """Every published port is bound to 127.0.0.1."""
    for name, svc in _compose()["services"].items():
        for port in svc.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"service {name} publishes {port}"


def test_services_have_healthchecks_or_are_one_shot() -> None:
    """Long-running infrastructure services declare a health check."""
    services = _compose()["services"]
    for name in ("kafka", "elasticsearch", "postgres", "stream"):
        assert "healthcheck" in services[name], name


@pytest.mark.parametrize("service", sorted(_logward_services()))
def test_logward_commands_exist_with_their_flags(service: str) -> None:
    """Each logward command in the compose file exists and accepts every flag it is given."""
    argv = _logward_services()[service]
    words = [a for a in argv if not a.startswith("-")]
    flags = [a for a in argv if a.startswith("--")]
    # Subcommand path: leading words until the first flag.
    path: list[str] = []
    for part in argv:
        if part.startswith("-"):
            break
        path.append(part)
    assert path, f"service {service}: no subcommand"
    assert words
    result = subprocess.run(
        [sys.executable, "-m", "logward", *path, "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert 0 == result.returncode, result.stderr
    for flag in flags:
        assert re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", result.stdout), (
            f"service {service}: `logward {' '.join(path)}` does not accept {flag}"
        )


def _store_url(svc: dict[str, Any]) -> str:
    return str(svc.get("environment", {}).get("LOGWARD_STORE", ""))


def test_postgres_is_the_official_pinned_image_with_its_password_from_env() -> None:
    """PostgreSQL: official image, pinned, password only from .env (named in .env.example)."""
    pg = _compose()["services"]["postgres"]
    assert re.fullmatch(r"postgres:\d+\.\d+", pg["image"]), pg["image"]
    assert re.fullmatch(r"\$\{POSTGRES_PASSWORD:\?[^}]*\}", pg["environment"]["POSTGRES_PASSWORD"])
    example = (ROOT / ".env.example").read_text()
    assert re.search(r"^POSTGRES_PASSWORD=", example, flags=re.MULTILINE)
    assert ["127.0.0.1:5432:5432"] == pg["ports"]


def test_monitor_replicas_and_dashboard_share_the_postgres_store() -> None:
    """Two monitor replicas and the dashboard use one PostgreSQL store, no password in the URL."""
    services = _compose()["services"]
    monitor, dashboard = services["monitor"], services["dashboard"]
    assert 2 <= monitor["deploy"]["replicas"]
    urls = {_store_url(monitor), _store_url(dashboard)}
    assert {"postgresql://logward@postgres:5432/logward"} == urls
    for svc in (monitor, dashboard):
        assert "service_healthy" == svc["depends_on"]["postgres"]["condition"]
        assert svc["environment"]["PGPASSWORD"].startswith("${POSTGRES_PASSWORD")
    # Replicas share partitions: records must be keyed by the field the rules group by.
    argv = [str(a) for a in monitor["command"]]
    assert "--key-field" in argv
    assert "--group-id" in argv
