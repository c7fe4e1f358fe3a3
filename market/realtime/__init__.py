"""Live doors: websockets fed by the events the services announce."""
