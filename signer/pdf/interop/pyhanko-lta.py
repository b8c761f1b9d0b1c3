"""PAdES-LTA validation of a Sealchain PDF with pyHanko's legacy LTV
validator (pyhanko.sign.validation.ltv, removed from pyHanko at commit
02bd30b6, April 2026; use a checkout of its parent), offline.

    PYHANKO_LEGACY_SRC=DIR python3 pyhanko-lta.py FILE.pdf CA.pem

The chain of document time stamps is walked from the newest: the newest is
validated now (soft-fail: see main), every older time stamp and each signature with the DSS of
the revision its covering time stamp signed, revocation data required
(pyHanko's strict LTV policy). The signer key usage is pyHanko's default
(nonRepudiation, which workflow party certificates carry).
"""
import asyncio
import os
import sys

sys.path.append('/usr/lib/python3/dist-packages')
for p in ('pyhanko', 'pyhanko-certvalidator'):
    sys.path.insert(0, os.path.join(os.environ['PYHANKO_LEGACY_SRC'], 'pkgs', p, 'src'))

from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import ltv
from pyhanko_certvalidator.policy_decl import CertRevTrustPolicy, RevocationCheckingPolicy


def main(pdf, ca):
    root = load_cert_from_pemder(ca)
    ok = True
    with open(pdf, 'rb') as f:
        r = PdfFileReader(f)
        for sig in r.embedded_regular_signatures:
            # soft-fail is for the newest document time stamp only, and is
            # still needed: the legacy validator checks that one at the
            # current time with a context built from the DSS *without* its
            # revocation data (ltv.py: as_validation_context(...,
            # include_revinfo=False)), so its TSA certificate's status now
            # can only be fetched online; with fetching off, 'hard-fail'
            # is refused outright ("revocation data is not optional and
            # allow_fetching is False"). Every older time stamp and each
            # signature get pyHanko's strict LTV policy anyway (a
            # non-essential policy is replaced by CRL_OR_OCSP_REQUIRED,
            # _strict_vc_context_kwargs), with the DSS of their revision.
            vc = {
                'trust_roots': [root],
                'allow_fetching': False,
                'revinfo_policy': CertRevTrustPolicy(RevocationCheckingPolicy.from_legacy('soft-fail')),
            }
            st = asyncio.run(ltv.async_validate_pdf_ltv_signature(
                sig, ltv.RevocationInfoValidationType.PADES_LTA,
                validation_context_kwargs=vc,
            ))
            print('=' * 20, sig.field_name, '=' * 20)
            print(st.pretty_print_details())
            print('summary:', st.summary())
            ok &= st.bottom_line
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1], sys.argv[2]))
