"""Discovery: what personal data the stores hold, declared in the policy or not.

sample.py draws a bounded random sample of every table; the detectors (pdpipe.detectors)
say what each sampled column holds."""
