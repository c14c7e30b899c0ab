"""The one shape of the strict layer's rules: a ``Rules`` class per part of AWS (S3, CloudFront, the CloudFront
edge; IAM evaluation takes the same shape), chained in front of moto by ``app.StrictApp``.

A request is classified first (``operations.classify``: service, operation, whether it writes, whether it is
signed). Then every ``Rules`` that ``claims`` it answers it in turn, in the app's order, each through
``handle(req, forward)``:

- refuse it: return a ``Response`` (``xmlutil.s3_error``, ``cloudfront_error``...) whose ``rule`` names the rule,
  as the call log and the README's rule table do;
- answer it alone, for an API moto lacks (CloudFront policies);
- or call ``forward()``, which runs the next ``Rules`` and finally moto, and return moto's answer, fixed up to what
  AWS answers (a representation, a side effect such as CloudFront's log-delivery grant).

``reset()`` forgets what the rules keep beside moto's state (``POST /_strict/reset``). The app holds one lock while
a request is handled, so a check followed by an action is atomic.
"""

from collections.abc import Callable

from .operations import Req
from .xmlutil import Response


class Rules:
    """What the layer knows of one part of AWS that moto does not do as AWS does."""

    #: The call log's ``service`` of the requests these rules answer.
    SERVICE = ""

    def claims(self, req: Req) -> bool:
        """Whether these rules see ``req`` (by default: the requests of ``SERVICE``)."""
        return req.op.service == self.SERVICE

    def handle(self, req: Req, forward: Callable[[], Response]) -> Response:
        """Answer ``req``: refuse it, answer it alone, or ``forward()`` it and fix the answer up."""
        return forward()

    def reset(self) -> None:
        """Forget the state kept beside moto's."""


def chain(rules: list[Rules], req: Req, last: Callable[[], Response]) -> Response:
    """Run ``req`` through every rule set that claims it, in order, then ``last`` (moto)."""
    claiming = [r for r in rules if r.claims(req)]

    def step(index: int) -> Response:
        if index == len(claiming):
            return last()
        return claiming[index].handle(req, lambda: step(index + 1))

    return step(0)
