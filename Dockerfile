# logpull worker image for ECS / Fargate (the `logpull work` shape; see the README's Deploy
# section, "ECS workers").
# No configuration and no credentials are baked in: everything comes at run time from
# LOGPULL_* variables (or LOGPULL_CONFIG naming a mounted TOML file) and the task role.

# Reproducible: both stages start from the same base image pinned by digest (the tag is
# kept for the reader), and the dependencies come from requirements.lock, every file
# checked against its hash.
# To refresh the base, take the digest of the tag's manifest list (all platforms):
#   docker buildx imagetools inspect python:3.13-slim-bookworm     # the "Digest:" line
# and replace it in both FROM lines. To refresh the lock after changing pyproject.toml's
# dependencies, see the README's "Deploy" section.

# ---- build: install the locked dependencies, then the package, into a venv -----------
FROM python:3.13-slim-bookworm@sha256:386df64585134ba00b1d5e307acb1e72f33e9e87dbbb00aad9b8f24dbb51db72 AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/logpull

WORKDIR /src
# runtime dependencies only (no extra: the demo's emulator and the test tools stay out),
# exactly the versions and files of the lock; a layer that changes only with the lock
COPY requirements.lock ./
RUN /opt/logpull/bin/pip install --no-cache-dir --require-hashes --no-deps -r requirements.lock
# then the package itself, its dependencies being the lock's (.dockerignore keeps
# everything but these out of the context)
COPY pyproject.toml README.md ./
COPY shared/ shared/
COPY orchestrator/ orchestrator/
COPY worker/ worker/
COPY logpull/ logpull/
# runtime dependencies only, from the lock (above); the project itself adds no dependency
RUN /opt/logpull/bin/pip install --no-cache-dir --no-deps .

# ---- runtime ------------------------------------------------------------------------
FROM python:3.13-slim-bookworm@sha256:386df64585134ba00b1d5e307acb1e72f33e9e87dbbb00aad9b8f24dbb51db72

ENV PATH=/opt/logpull/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN groupadd --system --gid 10001 logpull \
 && useradd --system --uid 10001 --gid 10001 --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin logpull

COPY --from=build /opt/logpull /opt/logpull

USER 10001:10001
WORKDIR /tmp

# exec form: logpull is PID 1 and receives ECS's SIGTERM itself; it finishes the page in
# hand, checkpoints, hands the task back and exits 0 (give the task a stopTimeout).
ENTRYPOINT ["logpull", "work"]
