# syntax=docker/dockerfile:1
# The pdpipe image: `pdpipe serve` (the scheduled deployments), one-off commands
# (`docker compose run --rm pdpipe check /policies/policy.yaml`) and, with
# `--entrypoint dask`, the Dask scheduler and workers. docs/deploy.md explains it.

# -- build: the locked dependencies, then pdpipe itself, into /opt/pdpipe/.venv ----------
FROM python:3.11-slim AS build

# The same uv as ./dev (a test keeps the two equal).
ARG UV_VERSION=0.13.9
RUN pip install --no-cache-dir --disable-pip-version-check "uv==${UV_VERSION}"

ENV UV_PYTHON=python3.11 \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/opt/pdpipe/.venv \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy
WORKDIR /src

# Dependencies first: this layer is rebuilt only when pyproject.toml or uv.lock change.
COPY pyproject.toml uv.lock ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-project

# Then the project, installed as a package (not editable): the runtime stage needs
# only the environment, not the source tree.
COPY README.md ./
COPY src ./src
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable

# -- runtime: the environment and an unprivileged user; no uv, no source, no compiler ----
FROM python:3.11-slim

RUN groupadd --system --gid 10001 pdpipe \
    && useradd --system --uid 10001 --gid pdpipe --create-home --home-dir /home/pdpipe \
        --shell /usr/sbin/nologin pdpipe \
    && mkdir -p /var/lib/pdpipe/runs \
    && chown -R pdpipe:pdpipe /var/lib/pdpipe

# Same path as in the build stage: the environment's scripts name their interpreter by it.
COPY --from=build /opt/pdpipe/.venv /opt/pdpipe/.venv

ENV PATH=/opt/pdpipe/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PDPIPE_OUTPUT_DIR=/var/lib/pdpipe/runs

USER 10001:10001
WORKDIR /home/pdpipe
# Run outputs (summary.json per run) outlive the container.
VOLUME ["/var/lib/pdpipe/runs"]

# No HEALTHCHECK here: the image plays several roles (the serve process, a Dask
# scheduler, a Dask worker, one-off commands) and only a role knows what "healthy" means.
# docker-compose.yml gives each service its own check: `pdpipe serve` is asked through
# Prefect's runner webserver (PREFECT_RUNNER_SERVER_ENABLE=true, GET :8080/health).
ENTRYPOINT ["pdpipe"]
CMD ["--help"]
