# syntax=docker/dockerfile:1.7
# Multi-stage build of the logward image: build the wheel, install it with every
# adapter into a venv, copy the venv into a slim non-root runtime.
FROM python:3.11.10-slim-bookworm AS build
WORKDIR /src
# gcc: the wheel build compiles the hot path with mypyc (hatch_build.py); only this
# stage has it, the runtime image stays slim
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev \
 && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/logward && /opt/logward/bin/pip install --no-cache-dir --upgrade pip==24.2 build==1.2.2
COPY pyproject.toml README.md hatch_build.py ./
COPY tools ./tools
COPY logward_base ./logward_base
COPY logward ./logward
COPY scrubber ./scrubber
COPY detectors ./detectors
COPY monitor ./monitor
COPY rules ./rules
RUN /opt/logward/bin/python -m build --wheel --outdir /dist . \
 && /opt/logward/bin/pip install --no-cache-dir "$(ls /dist/*.whl)[all]"

FROM python:3.11.10-slim-bookworm AS runtime
RUN groupadd --system --gid 10001 logward \
 && useradd --system --uid 10001 --gid logward --home-dir /data --shell /usr/sbin/nologin logward \
 && mkdir -p /data && chown logward:logward /data && chmod 0700 /data
COPY --from=build /opt/logward /opt/logward
ENV PATH=/opt/logward/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    LOGWARD_DATA_DIR=/data
USER logward:logward
WORKDIR /data
ENTRYPOINT ["logward"]
CMD ["--help"]
