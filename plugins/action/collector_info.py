# -*- coding: utf-8 -*-

# Copyright: clickstream.collectors contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action plugin for clickstream.collectors.collector_info.

``pixel.src`` is a controller path, resolved and read as clickstream.collectors.tracking_pixel's action plugin does
(the play's and roles' ``files/`` folders; the collection's own ``files/i`` when neither ``src`` nor
``content_base64`` is given), and handed to the module as ``pixel.content_base64``.
"""

from ansible.errors import AnsibleAction
from ansible.plugins.action import ActionBase
from ansible.utils.vars import merge_hash

from ansible_collections.clickstream.collectors.plugins.action.tracking_pixel import ActionModule as PixelActionModule


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    # The same lookup and checks (size) as tracking_pixel.
    _read_pixel = PixelActionModule._read_pixel
    _pixel_base64 = PixelActionModule._pixel_base64

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
            pixel["content_base64"] = self._pixel_base64(source, pixel.get("content_base64"), True, ("pixel.src", "pixel.content_base64"))
            args["pixel"] = pixel
            result = merge_hash(result, self._execute_module(module_args=args, task_vars=task_vars))
        except AnsibleAction as e:
            result.update(e.result)
        return result
