# -*- coding: utf-8 -*-

# Copyright: clickstream.collectors contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action plugin for clickstream.collectors.collector_info.

``pixel.src`` is a controller path, resolved and read as clickstream.collectors.tracking_pixel's action plugin does
(the play's and roles' ``files/`` folders; the collection's own ``files/i`` when neither ``src`` nor
``content_base64`` is given), and handed to the module as ``pixel.content_base64``. A file that is not a GIF is
refused when ``pixel.content_type`` is ``image/gif`` (the default), before any AWS call.
"""

import base64
import os

from ansible.errors import AnsibleAction
from ansible.errors import AnsibleActionFail
from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase
from ansible.utils.vars import merge_hash

from ansible_collections.clickstream.collectors.plugins.action.tracking_pixel import DEFAULT_PIXEL
from ansible_collections.clickstream.collectors.plugins.action.tracking_pixel import ActionModule as PixelActionModule

# The first six bytes of every GIF (https://www.w3.org/Graphics/GIF/spec-gif89a.txt, "Header").
GIF_SIGNATURES = (b"GIF87a", b"GIF89a")


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _read_pixel = PixelActionModule._read_pixel  # the same checks (size) as tracking_pixel

    def run(self, tmp=None, task_vars=None):
        self._supports_check_mode = True
        if task_vars is None:
            task_vars = {}
        result = super().run(tmp, task_vars)
        del tmp

        try:
            args = self._task.args.copy()
            pixel = dict(args.get("pixel") or {})
            source = pixel.pop("src", None) or None
            if source is not None and pixel.get("content_base64") is not None:
                raise AnsibleActionFail("pixel.src and pixel.content_base64 are mutually exclusive; give one of them.")
            if source is not None:
                try:
                    path = self._find_needle("files", os.path.expanduser(to_text(source)))
                except AnsibleError as e:
                    raise AnsibleActionFail(f"Cannot find the pixel file {source} (looked in the play's and roles' files/ folders): {to_text(e)}") from e
                content = self._read_pixel(path)
                if (pixel.get("content_type") or "image/gif") == "image/gif" and not content.startswith(GIF_SIGNATURES):
                    raise AnsibleActionFail(
                        f"The pixel file {source} is not a GIF image (it starts with {content[:6]!r}, not GIF87a or GIF89a), "
                        "yet it would be served as image/gif."
                    )
                pixel["content_base64"] = to_text(base64.b64encode(content))
            elif pixel.get("content_base64") is None:
                if not os.path.isfile(DEFAULT_PIXEL):
                    raise AnsibleActionFail(f"The collection's default pixel {DEFAULT_PIXEL} is missing; give pixel.src or pixel.content_base64.")
                pixel["content_base64"] = to_text(base64.b64encode(self._read_pixel(DEFAULT_PIXEL)))
            args["pixel"] = pixel
            result = merge_hash(result, self._execute_module(module_args=args, task_vars=task_vars))
        except AnsibleAction as e:
            # ansible-core 2.19 and later keep the failure out of e.result: say it here, or the task would pass.
            result.update(e.result)
            if isinstance(e, AnsibleActionFail):
                result.update(failed=True, msg=to_text(e.message))
        return result
