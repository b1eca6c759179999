__version__ = "0.1.0"

import os as _os
# oneDNN keeps 1,024 compiled kernels (primitives) by default; dynamic padding gives every batch length its own set, so a
# training run overflows the cache and recompiles kernels it has already built (the speed page measures it). It reads this
# variable once, at its first kernel: set before torch computes anything, and never over a value the user set.
_os.environ.setdefault('ONEDNN_PRIMITIVE_CACHE_CAPACITY', '16384')
if _os.environ.get('IN_TEST'):   # under nbdev_test: no weight-loading reports or progress bars in the test log (they stay on for people)
    _os.environ.setdefault('HF_HUB_DISABLE_PROGRESS_BARS', '1'); _os.environ.setdefault('TRANSFORMERS_VERBOSITY', 'error')
    import tqdm as _tqdm
    _init = _tqdm.tqdm.__init__
    def _quiet_init(self, *args, **kwargs): kwargs['disable'] = True; _init(self, *args, **kwargs)
    _tqdm.tqdm.__init__ = _quiet_init
    from transformers.utils import logging as _hf_logging
    _hf_logging.set_verbosity_error(); _hf_logging.disable_progress_bar()
