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

from ansible.errors import AnsibleActionFail

from ansible_collections.clickstream.collectors.plugins.action.tracking_pixel import ActionModule as PixelActionModule

# The first six bytes of every GIF (https://www.w3.org/Graphics/GIF/spec-gif89a.txt, "Header").
GIF_SIGNATURES = (b"GIF87a", b"GIF89a")


class ActionModule(PixelActionModule):
    """tracking_pixel's action plugin (the same lookup and size check), for the pixel nested in ``pixel``."""

    def _module_args(self, args):
        pixel = dict(args.get("pixel") or {})
        source = pixel.pop("src", None) or None
        pixel["content_base64"] = self._pixel_base64(source, pixel.get("content_base64"), True, ("pixel.src", "pixel.content_base64"))
        content = base64.b64decode(pixel["content_base64"])
        if source is not None and (pixel.get("content_type") or "image/gif") == "image/gif" and not content.startswith(GIF_SIGNATURES):
            raise AnsibleActionFail(
                f"The pixel file {source} is not a GIF image (it starts with {content[:6]!r}, not GIF87a or GIF89a), "
                "yet it would be served as image/gif."
            )
        args["pixel"] = pixel
        return args
