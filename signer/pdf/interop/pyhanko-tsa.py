"""pyHanko's HTTP timestamper (pyhanko.sign.timestamps.HTTPTimeStamper,
RFC 3161 over HTTP) against a Sealchain node's POST /v1/tsa.

    PYHANKO_SRC=DIR SEALCHAIN_URL=http://host:port SEALCHAIN_DOC_SHA256=HEX python3 pyhanko-tsa.py

Asks for a token over a hash the chain committed (a contract document's
SHA-256: granted, genTime = the block time of its commit) and over a hash
it did not (rejected: the node stamps only committed hashes).
PADES_HOOK runs it while TestWorkflowPAdES's node is up (pyhanko-validate.sh).
"""
import asyncio
import hashlib
import os
import sys

sys.path.append('/usr/lib/python3/dist-packages')
for p in ('pyhanko', 'pyhanko-certvalidator'):
    sys.path.insert(0, os.path.join(os.environ['PYHANKO_SRC'], 'pkgs', p, 'src'))

from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError


def main():
    ts = HTTPTimeStamper(os.environ['SEALCHAIN_URL'].rstrip('/') + '/v1/tsa')
    committed = bytes.fromhex(os.environ['SEALCHAIN_DOC_SHA256'])
    token = asyncio.run(ts.async_timestamp(committed, 'sha256'))
    tst = token['content']['encap_content_info']['content'].parsed
    print('committed hash: granted; genTime', tst['gen_time'].native.isoformat(),
          'policy', tst['policy'].dotted, 'imprint', tst['message_imprint']['hashed_message'].native.hex(),
          'TSA', token['content']['certificates'][0].chosen.subject.human_friendly)
    other = hashlib.sha256(b'not on chain').digest()
    try:
        asyncio.run(ts.async_timestamp(other, 'sha256'))
        print('uncommitted hash: granted (unexpected)')
        return 1
    except TimestampRequestError as e:
        print('uncommitted hash: TimestampRequestError:', e)
    except ValueError as e:
        # asn1crypto 1.5.1 (Debian 12) declares TimeStampResp's
        # timeStampToken mandatory, though RFC 3161 makes it OPTIONAL and a
        # rejection carries none: pyHanko cannot read the node's rejection.
        print('uncommitted hash: rejection not parsed by asn1crypto:', str(e).replace('\n', ' '))
    return 0


if __name__ == '__main__':
    sys.exit(main())
