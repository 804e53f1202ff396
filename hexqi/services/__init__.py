"""The service layer: business rules and transactions. Views call these; these never
read the request, flash or render."""
