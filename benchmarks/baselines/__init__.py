"""What a user would otherwise have: the two yardsticks every case is measured against.

- :mod:`.classic_client` TTNC's own clients as their README has users
  write them: ``xml.dom.minidom`` both ways, a new connection and a
  ``SessionLogin`` in every POST, responses turned into dicts;
- :mod:`.stdlib_floor` the least work the standard library allows: plain
  ElementTree with no safety checks, and one kept-alive ``http.client``
  connection posting bytes built in advance.

Neither is meant for real use; each is the simplest honest form of its
idea, so that a ratio against it means something.
"""
