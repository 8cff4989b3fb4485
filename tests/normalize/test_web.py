"""nginx and Apache access and error logs."""

from __future__ import annotations

from secops.normalize import normalize

from .records import record, sample_records

NGINX = "nginx/elastic-integrations_nginx-access_test-access.first13lines.log"


def test_nginx_sample_every_line_parsed() -> None:
    events = [normalize(r) for r in sample_records(NGINX)]
    assert len(events) == 13
    assert {ev["event"]["dataset"] for ev in events} == {"nginx.access"}
    first = events[0]
    assert first["source"]["ip"] == "67.43.156.13"
    assert first["http"]["request"]["method"] == "GET"
    assert first["http"]["version"] == "1.1"
    assert first["http"]["response"] == {"status_code": 200, "body": {"bytes": 612}}
    assert first["url"] == {"original": "/", "path": "/"}
    assert first["user_agent"]["original"].startswith("Mozilla/5.0 (Macintosh")
    assert first["@timestamp"] == "2016-10-25T12:49:33.000Z"
    assert first["event"]["category"] == ["web"]
    assert first["event"]["outcome"] == "success"
    assert events[1]["event"]["outcome"] == "failure"
    assert events[1]["http"]["request"]["referrer"] == "http://localhost:8080/"
    last = events[-1]
    assert last["destination"]["domain"] == "lessons.example.com"
    assert last["source"]["ip"] == "192.168.0.1"
    assert last["http"]["response"]["status_code"] == 206


def test_query_user_and_common_format() -> None:
    ev = normalize(record(
        '10.0.0.1 - alice [01/Mar/2025:10:00:00 +0000] "GET /search?q=x&y=1 HTTP/2.0" 302 -'
    ))  # fmt: skip
    assert ev["user"]["name"] == "alice"
    assert ev["url"] == {"original": "/search?q=x&y=1", "path": "/search", "query": "q=x&y=1"}
    assert "body" not in ev["http"]["response"]
    assert ev["http"]["version"] == "2.0"


def test_malformed_request_keeps_original() -> None:
    ev = normalize(
        record('10.0.0.1 - - [01/Mar/2025:10:00:00 +0000] "\\x16\\x03\\x01" 400 0 "-" "-"')
    )
    assert ev["event"]["dataset"] == "nginx.access"
    assert ev["url"]["original"] == "\\x16\\x03\\x01"
    assert ev["event"]["outcome"] == "failure"


def test_apache_flavour_from_file_name() -> None:
    line = '10.0.0.1 - - [01/Mar/2025:10:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "-"'
    ev = normalize(record(line, application="/var/log/httpd/access_log"))
    assert ev["event"]["dataset"] == "apache.access"


def test_apache_error_loghub_every_line() -> None:
    events = [normalize(r) for r in sample_records("loghub/Apache_2k.log")]
    assert len(events) == 2000
    assert {ev["event"]["dataset"] for ev in events} == {"apache.error"}
    assert events[0]["@timestamp"] == "2005-12-04T04:47:44.000Z"
    assert events[0]["log"]["level"] == "notice"
    assert events[1]["log"]["level"] == "error"
    clients = [ev for ev in events if "source" in ev]
    assert clients
    assert all("ip" in ev["source"] for ev in clients)


def test_apache_24_error_layout() -> None:
    ev = normalize(record(
        "[Wed Oct 11 14:32:52.123456 2000] [core:error] [pid 1234:tid 5678] "
        "[client 10.1.2.3:5555] AH00124: Request exceeded the limit"
    ))  # fmt: skip
    assert ev["event"]["dataset"] == "apache.error"
    assert ev["source"] == {"ip": "10.1.2.3", "port": 5555}
    assert ev["process"] == {"pid": 1234, "thread": {"id": 5678}}
    assert ev["apache"]["error"]["module"] == "core"
    assert ev["@timestamp"] == "2000-10-11T14:32:52.123Z"
    assert ev["message"] == "AH00124: Request exceeded the limit"


def test_nginx_error() -> None:
    ev = normalize(record(
        '2016/10/25 14:49:34 [error] 54053#0: *1 open() "/x/favicon.ico" failed (2: No such '
        'file or directory), client: 127.0.0.1, server: localhost, request: "GET '
        '/favicon.ico HTTP/1.1", host: "localhost:8080"'
    ))  # fmt: skip
    assert ev["event"]["dataset"] == "nginx.error"
    assert ev["source"]["ip"] == "127.0.0.1"
    assert ev["url"]["path"] == "/favicon.ico"
    assert ev["log"]["level"] == "error"
    assert ev["process"]["pid"] == 54053
    assert ev["message"].startswith("open()")


def test_access_line_through_syslog() -> None:
    ev = normalize(record(
        'Mar  1 10:00:00 web1 nginx: 10.0.0.1 - - [01/Mar/2025:10:00:00 +0000] '
        '"GET / HTTP/1.1" 500 1 "-" "-"'
    ))  # fmt: skip
    assert ev["event"]["dataset"] == "nginx.access"
    assert ev["host"]["name"] == "web1"
    assert ev["http"]["response"]["status_code"] == 500
