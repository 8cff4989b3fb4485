# secops: API, collectors, pipeline and scheduler in one image.
FROM python:3.11-slim

# A fixed uid/gid: docker-compose.yml's setup gives secops' secrets to this owner alone.
RUN groupadd --system --gid 10001 secops \
 && useradd --system --uid 10001 --gid 10001 --create-home --home-dir /var/lib/secops secops
WORKDIR /app
COPY pyproject.toml README.md ./
COPY secops ./secops
COPY api ./api
COPY collectors ./collectors
COPY rules ./rules
RUN pip install --no-cache-dir .

USER 10001:10001
ENV SECOPS_STATE_DIR=/var/lib/secops \
    SECOPS_API_HOST=0.0.0.0 \
    SECOPS_SYSLOG_HOST=0.0.0.0
EXPOSE 8000 5514/udp 5514/tcp 6514/tcp
HEALTHCHECK --interval=15s --timeout=5s --retries=5 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/api/v1/health', timeout=4).status == 200 else 1)"
CMD ["secops", "up"]
