"""Sign-in throttling with django-axes: after AXES_FAILURE_LIMIT wrong passwords for one username
from one address, that pair is refused for AXES_COOLOFF_TIME; a successful sign-in clears the
count. Other users, and the same user from another address, are not affected.

`ThrottledSignInBackend` stands first in AUTHENTICATION_BACKENDS and only refuses locked-out
pairs; `agencies.access.DemoRefusingBackend` then checks the password as before.
"""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


class ThrottledSignInBackend(AxesStandaloneBackend):
    """Axes' lock-out check for sign-ins that come through a web request.

    Axes refuses to run without a request; sign-ins made from code (the test client's
    `login()`, a management command) have none and are not attempts from the network, so they
    pass through to the next backend instead of raising.
    """

    def authenticate(self, request: HttpRequest | None, *args: Any, **kwargs: Any) -> None:
        if request is None:
            return None
        return super().authenticate(request, *args, **kwargs)


def locked_out_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """The sign-in page again, status 429, saying the account is locked and for how long."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    form = AuthenticationForm(request, initial={"username": username})
    message = _(
        "Tài khoản tạm khóa do nhập sai mật khẩu quá %(limit)d lần. "
        "Vui lòng thử lại sau %(minutes)d phút hoặc liên hệ quản trị hệ thống."
    ) % {"limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes}
    context = {
        "form": form,
        "locked_message": message,
        "locked_username": username,
        "next": request.POST.get("next", ""),
    }
    return render(request, "registration/login.html", context, status=429)
