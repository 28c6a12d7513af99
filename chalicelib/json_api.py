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

It overrides Chalice 1.34's `__call__`, standing in for it and for its request handler's
`__call__`, which chains the middleware with an object per layer (about 1% of a warm GET's
whole time, A/B in 21 processes); and the handler's route dispatch, for the binary check
above. The tests (tests/test_json_api.py) pin the Chalice code these stand in for, so that
an upgrade of Chalice fails there first, and check that JsonApi answers as Chalice does.
"""

from collections.abc import Callable
from typing import Any

from chalice import Chalice, Response
from chalice.app import Request, RestAPIEventHandler, _matches_content_type, error_response

# What answers a request: the view, or it with middleware around it.
Responder = Callable[[Request | None], Response]


def _layer(
    middleware: Callable[[Request | None, Responder], Response], inner: Responder
) -> Responder:
    def respond(request: Request | None) -> Response:
        return middleware(request, inner)

    return respond


class JsonApi(Chalice):
    """Chalice, with no binary types and no check for them on each request."""

    def __init__(self, app_name: str) -> None:
        super().__init__(app_name=app_name)
        # Chalice's default list (images, audio, archives) would also have API Gateway
        # base64-encode request bodies of those types, which no route accepts.
        self.api.binary_types = []

    def __call__(self, event: Any, context: Any) -> dict[str, Any]:
        # Chalice.__call__ and its request handler's __call__ in one, step for step, but:
        # the middleware are chained by closures, not an object per layer; the global
        # error handler, Chalice's outermost layer, is the try around them; and with no
        # binary types the response's dict is made without looking for one.
        self.lambda_context = context
        handler = _JsonEventHandler(self.routes, self.api, self.log, self.debug)
        self.current_request = handler.create_request_object(event, context)

        def answer(request: Request | None) -> Response:
            return handler._main_rest_api_handler(event, context)

        chain: Responder = answer
        for middleware in reversed(list(self._get_middleware_handlers("http"))):
            chain = _layer(middleware, chain)
        try:
            response = chain(self.current_request)
        except Exception:
            response = handler._unhandled_exception_to_response()
        return response.to_dict()


class _JsonEventHandler(RestAPIEventHandler):
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
