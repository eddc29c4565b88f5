#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz targets to fuzz/corpus/<target>/.

Seeds are valid and invalid events of every event type (fuzz_event), one
request per route plus malformed requests (fuzz_request) and .env files
(fuzz_dotenv).  Run from the repository root; files of the same name are
overwritten, other files (regression inputs of fixed crashes) are kept.
"""
import glob
import json
import os

ULIDS = ["01HV6Z3R8Y5A0B9C7D2E4F6G8H", "01HV6Z3R8Y5A0B9C7D2E4F6G8J",
         "01HV6Z3R8Y5A0B9C7D2E4F6G8K", "01HV6Z3R8Y5A0B9C7D2E4F6G8M",
         "01HV6Z3R8Y5A0B9C7D2E4F6G8N", "01HV6Z3R8Y5A0B9C7D2E4F6G8P"]
UUID = "3f2b9c1e-7a4d-4e8b-9c2f-1a2b3c4d5e6f"

VALUES = {
    "name": "Zoë's photo",
    "description": "Line one\nline two\ttab",
    "image_url": "https://example.com/a.jpg",
    "url": "http://example.com/b.png",
    "image_caption": "Caption",
    "caption": "Caption",
    "email": "voter@example.com",
    "rating": 4,
    "open_date": "2026-05-01T09:00:00Z",
    "close_date": "2026-05-01T11:00:00+02:00",
}

# Aggregates in the order fuzz_request.c lists them.
AGGREGATES = ["ballot", "candidate", "competition", "election", "voter"]

ROUTES = [
    ("POST", "/ballot/", "Ballot.BallotCreated"),
    ("PUT", "/ballot/candidate-rated", "Ballot.BallotCandidateRated"),
    ("POST", "/ballot/cast", "Ballot.BallotCast"),
    ("POST", "/candidate/", "Candidate.CandidateAdded"),
    ("DELETE", "/candidate/", "Candidate.CandidateRemoved"),
    ("PUT", "/candidate/name-changed", "Candidate.CandidateNameChanged"),
    ("PUT", "/candidate/description-changed",
     "Candidate.CandidateDescriptionChanged"),
    ("PUT", "/candidate/image-changed", "Candidate.CandidateImageChanged"),
    ("POST", "/competition/", "Competition.CompetitionAdded"),
    ("DELETE", "/competition/", "Competition.CompetitionRemoved"),
    ("PUT", "/competition/name-changed", "Competition.CompetitionNameChanged"),
    ("PUT", "/competition/description-changed",
     "Competition.CompetitionDescriptionChanged"),
    ("POST", "/election/", "Election.ElectionCreated"),
    ("DELETE", "/election/", "Election.ElectionDeleted"),
    ("PUT", "/election/name-changed", "Election.ElectionNameChanged"),
    ("PUT", "/election/description-changed",
     "Election.ElectionDescriptionChanged"),
    ("PUT", "/election/opened", "Election.ElectionOpened"),
    ("PUT", "/election/closed", "Election.ElectionClosed"),
    ("POST", "/voter/", "Voter.VoterRegistered"),
]


def load_schemas():
    """Returns (title, schema) in file name order, as the catalogue has them."""
    out = []
    for path in sorted(glob.glob("schemas/*.json")):
        with open(path, encoding="utf-8") as f:
            schema = json.load(f)
        out.append((schema["title"], schema))
    return out


def valid_event(schema):
    event = {}
    for i, name in enumerate(schema["properties"]):
        if name == "id" or name.endswith("_id"):
            event[name] = ULIDS[i % len(ULIDS)]
        else:
            event[name] = VALUES[name]
    return event


def dumps(value):
    return json.dumps(value, ensure_ascii=False).encode()


def invalid_events(schema, event):
    """Yields (tag, body bytes) of events that break one rule each."""
    props = list(schema["properties"])
    missing = dict(event)
    del missing[schema["required"][-1]]
    yield "missing", dumps(missing)
    yield "extra", dumps(dict(event, electionId="x"))
    yield "uuid", dumps(dict(event, id=UUID))
    yield "bad-id", dumps(dict(event, id="a.b*>\r\n"))
    yield "int-id", dumps(dict(event, id=7))
    for name in props:
        if name in ("name", "description", "email", "url", "image_url"):
            yield name + "-long", dumps(
                dict(event, **{name: "\u00e9" * 5001}))
            yield name + "-ctrl", dumps(
                dict(event, **{name: "a\u0001b"}))
        if name == "rating":
            yield "rating-str", dumps(dict(event, rating="3"))
            yield "rating-big", dumps(dict(event, rating=6))
    text = json.dumps(event)
    yield "trailing-comma", (text[:-1] + ",}").encode()
    yield "trailing-bytes", (text + "x").encode()
    yield "array", ("[" + text + "]").encode()
    yield "deep", b'{"a":' * 40 + b"1" + b"}" * 40
    yield "bad-utf8", text.encode()[:-2] + b'\xc3"}'
    yield "surrogate", json.dumps(dict(event, **{"\ud800": 1})).encode()
    yield "nul", dumps(dict(event, id="a\u0000b"))
    yield "duplicate", (text[:-1] + ', "id": "' + ULIDS[5] + '"}').encode()


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def selector(index, modulus):
    """A printable first byte that selects index modulo modulus."""
    for c in range(0x41, 0x7f):
        if c % modulus == index:
            return bytes([c])
    raise ValueError(index)


def event_corpus(schemas):
    for i, (title, schema) in enumerate(schemas):
        pick = selector(i, len(schemas))
        event = valid_event(schema)
        write(f"fuzz/corpus/event/{title}-valid",
              pick + json.dumps(event, ensure_ascii=False).encode())
        for tag, body in invalid_events(schema, event):
            write(f"fuzz/corpus/event/{title}-{tag}", pick + body)


def request(aggregate, params, body):
    head = "".join(f"{k}={v}\n" for k, v in params)
    return selector(AGGREGATES.index(aggregate), 5) + head.encode() + \
        b"\n" + body


def request_corpus(schemas):
    by_title = dict(schemas)
    for method, path, title in ROUTES:
        aggregate = path.split("/")[1]
        body = json.dumps(valid_event(by_title[title])).encode()
        base = [("REQUEST_METHOD", method), ("REQUEST_URI", path),
                ("CONTENT_TYPE", "application/json")]
        tag = title.split(".")[1]
        write(f"fuzz/corpus/request/{tag}-valid", request(
            aggregate, base + [("CONTENT_LENGTH", len(body))], body))
    body = json.dumps(valid_event(by_title["Voter.VoterRegistered"])).encode()
    cases = {
        "length-negative": "-1", "length-huge": "99999999999999999999999",
        "length-text": "12a", "length-short": str(len(body) + 5),
        "length-long": str(len(body) - 5), "length-empty": "",
        "length-space": " 12", "length-plus": "+12",
    }
    for tag, length in cases.items():
        write(f"fuzz/corpus/request/voter-{tag}", request("voter", [
            ("REQUEST_METHOD", "POST"), ("REQUEST_URI", "/voter/"),
            ("CONTENT_TYPE", "application/json"),
            ("CONTENT_LENGTH", length)], body))
    others = {
        "type-charset": [("CONTENT_TYPE",
                          "application/json; charset=latin1")],
        "type-missing": [("CONTENT_TYPE", "")],
        "method-get": [("REQUEST_METHOD", "GET")],
        "path-query": [("REQUEST_URI", "/voter/?a=b#c")],
        "path-script": [("REQUEST_URI", ""), ("SCRIPT_NAME", "/voter"),
                        ("PATH_INFO", "/")],
        "path-long": [("REQUEST_URI", "/voter/" + "a" * 300)],
        "path-escaped": [("REQUEST_URI", "/%76oter%2F%2")],
        "path-escaped-nul": [("REQUEST_URI", "/voter/%00")],
        "health": [("REQUEST_METHOD", "GET"),
                   ("REQUEST_URI", "/voter/health")],
        "request-id": [("HTTP_X_REQUEST_ID", "abc\r\nSet-Cookie: x")],
    }
    for tag, override in others.items():
        params = dict([("REQUEST_METHOD", "POST"), ("REQUEST_URI", "/voter/"),
                       ("CONTENT_TYPE", "application/json"),
                       ("CONTENT_LENGTH", str(len(body)))])
        params.update(override)
        write(f"fuzz/corpus/request/voter-{tag}",
              request("voter", list(params.items()), body))


def dotenv_corpus():
    seeds = {
        "plain": "NATS_URL=nats://127.0.0.1:4222\n# comment\n\n",
        "export": "export NATS_USER=alice\nNATS_PASSWORD='s3cr#t'\n",
        "double": 'NATS_TOKEN="a\\nb\\t\\"c\\\\"\n',
        "comment": "PHOTOVOTE_STREAMS=election # main stream\n",
        "crlf": "A=1\r\nB=2\r\n",
        "bad-name": "1A=x\n",
        "bad-line": "just words\n",
        "unterminated": 'A="open\n',
        "nul": "A=x\0y\n",
        "no-newline": "A=1",
    }
    for tag, text in seeds.items():
        write(f"fuzz/corpus/dotenv/{tag}", text.encode())


def main():
    schemas = load_schemas()
    event_corpus(schemas)
    request_corpus(schemas)
    dotenv_corpus()


if __name__ == "__main__":
    main()
