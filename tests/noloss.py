#!/usr/bin/env python3
"""noloss.py - checks that converting DSTU2/STU3 to R4 lost no data that
matters for research: every coding of an external terminology (system,
code), every number and every date or dateTime string of the input occurs
in the output at least as often.

usage: noloss.py IN OUT [REPORT]
  IN: JSON texts back to back (Bundles, resources, NDJSON); OUT: NDJSON (the
  cleaned stream); REPORT: the run's OperationOutcome report: a value that
  another rule family changed with a recorded repair (its `old`, e.g. UCUM
  `{beats}/min` -> `/min`) is not counted as lost.  The upgrade's own
  repairs (upgrade-element, version-upgrade) excuse nothing.
Exit 0 when nothing is missing, 1 with one line per missing value.

What is not compared, and why: codings of FHIR's own code systems
(hl7.org/fhir, terminology.hl7.org: the status and category codes the
conversion maps by design); ISO 4217 currency codings (DSTU2/STU3 Money
{system, code} is R4 Money.currency, compared as a currency below); the
shell of a Bundle (type, link, search, request; not written by design) and
server OperationOutcomes of searchset entries with search.mode outcome.
"""
import collections
import json
import re
import sys

DATE = re.compile(r'^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$')
OWN = ('http://hl7.org/fhir/', 'http://terminology.hl7.org/')
ISO4217 = 'urn:iso:std:iso:4217'


def values(doc, acc):
    """Counts codings, numbers and dates below doc into acc."""
    if isinstance(doc, dict):
        sys_ = doc.get('system')
        code = doc.get('code')
        if isinstance(code, str) and isinstance(sys_, str):
            if sys_ == ISO4217:
                acc['currency', code] += 1
            elif not sys_.startswith(OWN):
                acc['coding', sys_, code] += 1
        if isinstance(doc.get('currency'), str):
            acc['currency', doc['currency']] += 1
        for v in doc.values():
            values(v, acc)
    elif isinstance(doc, list):
        for v in doc:
            values(v, acc)
    elif isinstance(doc, bool):
        pass
    elif isinstance(doc, (int, float)):
        acc['number', repr(doc)] += 1
    elif isinstance(doc, str) and DATE.match(doc) and len(doc) >= 4 and '-' in doc:
        acc['date', doc] += 1


def resources(doc):
    """The resources a stream yields: Bundle entries (outcome entries left
    out), else the object itself."""
    if isinstance(doc, dict) and doc.get('resourceType') == 'Bundle':
        for e in doc.get('entry') or []:
            if (e.get('search') or {}).get('mode') == 'outcome' and \
                    (e.get('resource') or {}).get('resourceType') == 'OperationOutcome':
                continue
            if 'resource' in e:
                yield e['resource']
    else:
        yield doc


def main():
    dec = json.JSONDecoder()
    text = open(sys.argv[1], encoding='utf-8').read()
    have, want = collections.Counter(), collections.Counter()
    i = 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            break
        doc, i = dec.raw_decode(text, i)
        for r in resources(doc):
            values(r, want)
    for line in open(sys.argv[2], encoding='utf-8'):
        if line.strip():
            values(json.loads(line), have)
    repaired = set()
    for line in open(sys.argv[3], encoding='utf-8') if len(sys.argv) > 3 else []:
        for issue in json.loads(line).get('issue', []):
            for ext in issue.get('extension', []):
                parts = {e['url']: e for e in ext.get('extension', [])}
                kind = parts.get('kind', {}).get('valueCode')
                if kind and kind not in ('upgrade-element', 'version-upgrade') and 'old' in parts:
                    repaired.add(parts['old'].get('valueString'))
    missing = sorted(k for k in want if have[k] < want[k] and k[-1] not in repaired)
    for k in missing:
        print('missing:', ' '.join(k), want[k] - have[k])
    return 1 if missing else 0


if __name__ == '__main__':
    sys.exit(main())
