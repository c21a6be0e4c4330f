"""Language selection: Vietnamese unless the user chose otherwise with the language switch."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation


class ChosenLanguageMiddleware:
    """Activate the language in the language cookie, else settings.LANGUAGE_CODE.

    Django's LocaleMiddleware would also follow the browser's Accept-Language, so an office
    computer set up in English would open the portal in English. The province works in
    Vietnamese; English is there for whoever picks it with the switch (which sets the cookie).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class BadQueryMiddleware:
    """Answer a `kpi_portal.query_params.BadQuery` raised by a view with a 400 page that says
    what was wrong (in every mode: Django's own 400 handling would show a debugging page when
    DEBUG is on and a page without the reason when it is off)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from django.shortcuts import render

        from kpi_portal.query_params import BadQuery

        if not isinstance(exception, BadQuery):
            return None
        return render(request, "400.html", {"message": str(exception)}, status=400)
