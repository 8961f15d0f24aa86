"""One router per area of the API; `engine.service.app` includes them."""
