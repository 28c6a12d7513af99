"""The local stack: what `make run` serves offline on 127.0.0.1 and `make token` signs for.

`stack` starts it all: the DynamoDB `emulator` (moto's server), the API through `server`
(`chalice local`, with API Gateway's edge), the web client through `web_server`, with the
local sign-in or `hosted_ui`, a stand-in for Cognito's hosted UI over a `user_pool` in moto.
"""
