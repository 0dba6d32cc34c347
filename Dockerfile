# logpull worker image for ECS / Fargate (the `logpull work` shape; see the README's Deploy
# section, "ECS workers").
# No configuration and no credentials are baked in: everything comes at run time from
# LOGPULL_* variables (or LOGPULL_CONFIG naming a mounted TOML file) and the task role.

# ---- build: install the package and its dependencies into a venv --------------------
FROM python:3.11-slim AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/logpull

WORKDIR /src
# only what `pip install .` needs (.dockerignore keeps everything else out of the context)
COPY pyproject.toml README.md ./
COPY shared/ shared/
COPY orchestrator/ orchestrator/
COPY worker/ worker/
COPY logpull/ logpull/
# runtime dependencies only: no extra (the demo's emulator and the test tools stay out)
RUN /opt/logpull/bin/pip install --no-cache-dir .

# ---- runtime ------------------------------------------------------------------------
FROM python:3.11-slim

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
