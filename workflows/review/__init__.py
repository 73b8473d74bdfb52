"""The ASB case review (Community Trigger, ASB, Crime and Policing Act 2014 s104 and
Schedule 4) as an application with its own workflow: the application and the complaints it
relies on (``models``), the threshold calculator (``threshold``), reads (``selectors``) and
the start-up check of the local thresholds (``checks``). Its changes are actions
(``workflows.actions.review``), so each step is on the case's chain and emits an event."""
