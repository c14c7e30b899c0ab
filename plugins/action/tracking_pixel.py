# -*- coding: utf-8 -*-

# Copyright: clickstream.collectors contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action plugin for clickstream.collectors.tracking_pixel.

``src`` is a controller path: it is looked up in the play's and roles' ``files/`` folders, read on
the controller and handed to the module as ``content_base64``. With neither ``src`` nor
``content_base64`` (and ``state`` present) the collection's own ``files/i`` (Snowplow's pixel) is sent.
"""

import base64
import os

from ansible.errors import AnsibleAction
from ansible.errors import AnsibleActionFail
from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase
from ansible.utils.vars import merge_hash

# <collection>/plugins/action/tracking_pixel.py -> <collection>/files/i
DEFAULT_PIXEL = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "files", "i")
MAX_PIXEL_BYTES = 1024 * 1024


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def _read_pixel(self, path):
        try:
            real = self._loader.get_real_file(path, decrypt=True)
            with open(real, "rb") as f:
                content = f.read(MAX_PIXEL_BYTES + 1)
        except (AnsibleError, OSError) as e:
            raise AnsibleActionFail(f"Cannot read the pixel file {path}: {to_text(e)}") from e
        if len(content) > MAX_PIXEL_BYTES:
            raise AnsibleActionFail(f"{path} is larger than 1 MiB; a tracking pixel is a tiny image (Snowplow's is 43 bytes).")
        return content

    def _pixel_base64(self, source, content_base64, wanted, names=("src", "content_base64")):
        """The pixel's bytes, base64-encoded, for the module: from ``source`` (looked up in the play's and roles'
        ``files/``), ``content_base64`` as given, else, when ``wanted``, the collection's own pixel."""
        if source is not None and content_base64 is not None:
            raise AnsibleActionFail(f"{names[0]} and {names[1]} are mutually exclusive; give one of them.")
        if source is not None:
            try:
                path = self._find_needle("files", os.path.expanduser(to_text(source)))
            except AnsibleError as e:
                raise AnsibleActionFail(f"Cannot find the pixel file {source} (looked in the play's and roles' files/ folders): {to_text(e)}") from e
            return to_text(base64.b64encode(self._read_pixel(path)))
        if content_base64 is None and wanted:
            if not os.path.isfile(DEFAULT_PIXEL):
                raise AnsibleActionFail(f"The collection's default pixel {DEFAULT_PIXEL} is missing; give {names[0]} or {names[1]}.")
            return to_text(base64.b64encode(self._read_pixel(DEFAULT_PIXEL)))
        return content_base64

    def _module_args(self, args):
        """The task's arguments as the module takes them: ``src`` read on the controller, sent as ``content_base64``."""
        source = args.pop("src", None) or None  # an empty src (a role default of "") means the default pixel
        content = self._pixel_base64(source, args.get("content_base64"), args.get("state", "present") != "absent")
        if content is not None:
            args["content_base64"] = content
        return args

    def run(self, tmp=None, task_vars=None):
        self._supports_check_mode = True
        if task_vars is None:
            task_vars = {}
        result = super().run(tmp, task_vars)
        del tmp

        try:
            args = self._module_args(self._task.args.copy())
            result = merge_hash(result, self._execute_module(module_args=args, task_vars=task_vars))
        except AnsibleAction as e:
            # ansible-core 2.19 and later keep the failure out of e.result: say it here, or the task would pass.
            result.update(e.result)
            if isinstance(e, AnsibleActionFail):
                result.update(failed=True, msg=to_text(e.message))
        return result
