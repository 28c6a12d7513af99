"""FixedCORSConfig answers as Chalice's CORSConfig does, from headers made once."""

from chalice import CORSConfig

from chalicelib.cors import FixedCORSConfig

SETTINGS = {
    "allow_origin": "https://app.example.com",
    "allow_headers": ["Authorization", "If-Match"],
    "expose_headers": ["ETag", "X-Request-Id"],
    "max_age": 600,
    "allow_credentials": True,
}


def test_its_headers_are_chalices_for_the_same_settings():
    fixed = FixedCORSConfig(**SETTINGS)
    assert fixed.get_access_control_headers() == CORSConfig(**SETTINGS).get_access_control_headers()
    # Chalice compares the configs of one path's routes: they must all agree.
    assert fixed == FixedCORSConfig(**SETTINGS)
    assert fixed != FixedCORSConfig(**{**SETTINGS, "max_age": 60})


def test_each_caller_gets_its_own_copy_to_change():
    fixed = FixedCORSConfig(**SETTINGS)
    first = fixed.get_access_control_headers()
    first["Access-Control-Allow-Origin"] = "https://evil.example"
    first["X-Extra"] = "1"
    assert fixed.get_access_control_headers() == CORSConfig(**SETTINGS).get_access_control_headers()
    assert fixed.get_access_control_headers() is not fixed.get_access_control_headers()
