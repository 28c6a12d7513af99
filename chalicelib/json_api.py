"""JsonApi: a Chalice app whose every body is JSON, without Chalice's binary-body checks.

Chalice checks every REST API response against the API's binary types three times: is the
response binary, does the client accept binary, must the body be base64-encoded. Each check
splits a header with a regular expression, even with no binary type at all, and the three
cost a warm request about 35,000 instructions (make bench-instructions). With no binary
types their answers are known in advance: nothing is binary, so nothing is refused for its
Accept header and nothing is encoded. JsonApi has no binary types and skips the three
checks; everything else is Chalice's.

It overrides Chalice 1.34's `__call__` and two methods of its request handler. The tests
(tests/test_json_api.py) pin the Chalice code these stand in for, so that an upgrade of
Chalice fails there first, and check that JsonApi answers as Chalice does.
"""

from collections.abc import Callable
from typing import Any

from chalice import Chalice, Response
from chalice.app import CaseInsensitiveMapping, Request, RestAPIEventHandler


class JsonApi(Chalice):
    """Chalice, with no binary types and no check for them on each request."""

    def __init__(self, app_name: str) -> None:
        super().__init__(app_name=app_name)
        # Chalice's default list (images, audio, archives) would also have API Gateway
        # base64-encode request bodies of those types, which no route accepts.
        self.api.binary_types = []

    def __call__(self, event: Any, context: Any) -> dict[str, Any]:
        # Chalice.__call__, with the handler below.
        self.lambda_context = context
        handler = _JsonEventHandler(
            self.routes,
            self.api,
            self.log,
            self.debug,
            middleware_handlers=self._get_middleware_handlers("http"),
        )
        self.current_request = handler.create_request_object(event, context)
        return handler(event, context)


class _JsonEventHandler(RestAPIEventHandler):
    def __call__(self, event: Any, context: Any) -> dict[str, Any]:
        # RestAPIEventHandler.__call__, but for its last step: with no binary types, the
        # response's dict is made without looking for one (binary_types=None).
        def wrapped_event(request: Request) -> Response:
            return self._main_rest_api_handler(event, context)

        final_handler: Callable[[Request | None], Response] = self._build_middleware_handlers(
            [self._global_error_handler, *self._middleware_handlers],
            original_handler=wrapped_event,
        )
        return final_handler(self.current_request).to_dict()

    def _validate_binary_response(
        self, request_headers: CaseInsensitiveMapping, response_headers: CaseInsensitiveMapping
    ) -> bool:
        # No response is binary, so none needs an Accept header that allows it.
        return True
