"""JsonApi: a Chalice app whose every body is JSON, without Chalice's binary-body checks.

Chalice checks every REST API response against the API's binary types three times: is the
response binary, does the client accept binary, must the body be base64-encoded. Each check
splits a header with a regular expression, even with no binary type at all, and the three
cost a warm request about 35,000 instructions (make bench-instructions); the second also
has Chalice copy the response's headers into a case-insensitive mapping (about 1% of a
warm GET's whole time, make bench). With no binary types their answers are known in
advance: nothing is binary, so nothing is refused for its Accept header and nothing is
encoded. JsonApi has no binary types and skips the three checks; everything else is
Chalice's.

It overrides Chalice 1.34's `__call__` and two methods of its request handler. The tests
(tests/test_json_api.py) pin the Chalice code these stand in for, so that an upgrade of
Chalice fails there first, and check that JsonApi answers as Chalice does.
"""

from collections.abc import Callable
from typing import Any

from chalice import Chalice, Response
from chalice.app import Request, RestAPIEventHandler, _matches_content_type, error_response


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

    def _main_rest_api_handler(self, event: Any, context: Any) -> Response:
        # RestAPIEventHandler._main_rest_api_handler, but for its last step: the check that
        # a binary response was asked for, which always passes when nothing is binary.
        resource_path = event.get("requestContext", {}).get("resourcePath")
        if resource_path is None:
            return error_response(
                error_code="InternalServerError",
                message="Unknown request.",
                http_status_code=500,
            )
        http_method = event["requestContext"]["httpMethod"]
        if http_method not in self.routes[resource_path]:
            return error_response(
                error_code="MethodNotAllowedError",
                message=f"Unsupported method: {http_method}",
                http_status_code=405,
                headers={"Allow": ", ".join(self.routes[resource_path].keys())},
            )
        route_entry = self.routes[resource_path][http_method]
        function_args = {name: event["pathParameters"][name] for name in route_entry.view_args}
        self.lambda_context = context
        cors_headers = None
        if self._cors_enabled_for_route(route_entry):
            cors_headers = self._get_cors_headers(route_entry.cors)
        refused = self._unsupported_media_type(route_entry.content_types, cors_headers)
        if refused is not None:
            return refused
        response = self._get_view_function_response(route_entry.view_function, function_args)
        if cors_headers is not None:
            self._add_cors_headers(response, cors_headers)
        return response

    def _unsupported_media_type(
        self, content_types: list[str], cors_headers: dict[str, Any] | None
    ) -> Response | None:
        """Chalice's 415 for a request whose Content-Type the route does not take."""
        if self.current_request is None or not content_types:
            return None
        content_type = self.current_request.headers.get("content-type", "application/json")
        if _matches_content_type(content_type, content_types):
            return None
        return error_response(
            error_code="UnsupportedMediaType",
            message=f"Unsupported media type: {content_type}",
            http_status_code=415,
            headers=cors_headers,
        )
