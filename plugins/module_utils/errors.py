# -*- coding: utf-8 -*-

# Copyright: clickstream.collectors contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The collection's one way of handling AWS errors, after amazon.aws's (module_utils/errors.py, S3ErrorHandler).

Every function that calls AWS is decorated with ``ErrorHandler.common_error_handler(description, fixes)``. A botocore
error, or an ``AnsibleAWSError`` raised by an amazon.aws helper, leaves it as a ``CollectorError`` whose message is
"Cannot <description>: <fix>": the description names the resource (it is formatted with the call's arguments, as
amazon.aws does) and the fix is chosen by the AWS error code. A ``CollectorError`` raised further in passes unchanged,
so the innermost, most precise description wins. Codes a function expects (a missing object, no configuration) are
handled inside it with ``is_boto3_error_code`` or ``is_ansible_aws_error_code``. Each module's ``main()`` catches
``AnsibleAWSError`` once and calls ``fail(module, error)``.

Not amazon.aws's ``AWSErrorHandler.common_error_handler`` as it is: its message is "Failed to <description>" for
every code, while the collection's messages name the fix for the code AWS answered (the missing permission, the
bucket to create first).
"""

import functools
import inspect

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

# The codes an authorization failure comes with: S3 ("403" for a HEAD, which has no body), CloudFront, STS.
ACCESS_DENIED = ("AccessDenied", "AccessDeniedException", "403")


class CollectorError(AnsibleAWSError):
    """A failure whose message names the resource, the cause in the user's terms and the fix.

    ``exception`` is the botocore error behind it, if any; ``kwargs`` are extra keys for the failed result.
    """


def error_code(exception):
    """The AWS error code of a botocore ClientError, or of the one an AnsibleAWSError wraps; None otherwise."""
    if isinstance(exception, AnsibleAWSError):
        exception = exception.exception
    response = getattr(exception, "response", None)
    if not isinstance(response, dict):
        return None
    return response.get("Error", {}).get("Code")


def _fix_for(fixes, code):
    for codes, fix in fixes.items():
        if codes is not None and code in ((codes,) if isinstance(codes, str) else codes):
            return fix
    return fixes.get(None)


class ErrorHandler(AWSErrorHandler):
    """amazon.aws's error handler, with messages that name the fix for the AWS error code."""

    _CUSTOM_EXCEPTION = CollectorError

    @classmethod
    def common_error_handler(cls, description, fixes=None):
        """Decorate a function that calls AWS: its AWS errors become a CollectorError "Cannot <description>: <fix>".

        ``fixes`` maps an error code, or a tuple of codes, to the fix for it; the key None gives the fix for any
        other code. The description and the fixes are formatted with the call's arguments ("read bucket {bucket}").
        """
        fixes = fixes or {}

        def wrapper(func):
            signature = inspect.signature(func)

            @functools.wraps(func)
            def handler(*args, **kwargs):
                try:
                    return func(*args, **kwargs)
                except CollectorError:
                    raise
                except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError, AnsibleAWSError) as e:
                    arguments = signature.bind(*args, **kwargs)
                    arguments.apply_defaults()
                    fix = _fix_for(fixes, error_code(e))
                    message = f"Cannot {description}" + (f": {fix}" if fix else "")
                    message = message.format(**arguments.arguments)
                    exception = e.exception if isinstance(e, AnsibleAWSError) else e
                    if exception is None:
                        message = f"{message} ({e})"
                    raise cls._CUSTOM_EXCEPTION(message=message, exception=exception) from e

            return handler

        return wrapper


def fail(module, error):
    """Fail the module with an error caught in main(): fail_json_aws for an AWS error, with the error's extra keys."""
    if error.exception is not None:
        module.fail_json_aws(error.exception, msg=error.message, **error.kwargs)
    module.fail_json(msg=error.message or str(error), **error.kwargs)
