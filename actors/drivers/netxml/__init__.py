"""netxml-ups: Eaton/MGE network management cards, XML over HTTP."""
