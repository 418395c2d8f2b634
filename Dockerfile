# mock-affise as a container: docker build -t mock-affise . && docker run -p 8080:8080 mock-affise
# Every setting comes from the environment (the CMD passes no flag), so `docker run -e
# MOCK_AFFISE_PORT=9000 -e MOCK_AFFISE_DATABASE_URL=...` changes it.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, from pyproject.toml alone and a stub package, so editing the source does
# not reinstall them. The postgres extra lets the same image run on PostgreSQL.
COPY pyproject.toml ./
RUN mkdir mock_affise && touch README.md mock_affise/__init__.py \
    && pip install '.[postgres]' \
    && pip uninstall --yes mock-affise \
    && rm -rf build mock_affise README.md *.egg-info

# The package itself (no dependency resolution: they are all in the layer above); it carries
# the default fixture as package data.
COPY README.md ./
COPY mock_affise ./mock_affise
RUN pip install --no-deps . && rm -rf build *.egg-info

RUN useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin mockaffise \
    && mkdir -p /data && chown mockaffise /data
# The SQLite database lives here: mount a volume to keep the data across containers.
VOLUME /data
USER mockaffise

# The image's defaults, as environment variables a `docker run -e` replaces.
ENV MOCK_AFFISE_HOST=0.0.0.0 \
    MOCK_AFFISE_PORT=8080 \
    MOCK_AFFISE_DATABASE_URL=sqlite:////data/mock-affise.db

EXPOSE 8080
# No curl in the slim image: python's urllib fails (non-zero exit) on anything but 2xx. The
# shell form, so the check follows MOCK_AFFISE_PORT.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:${MOCK_AFFISE_PORT:-8080}/_mock/health', timeout=2)"

CMD ["mock-affise", "serve"]
