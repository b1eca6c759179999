__version__ = "0.1.0"

import os as _os
if _os.environ.get('IN_TEST'):   # under nbdev_test: no weight-loading reports or progress bars in the test log (they stay on for people)
    _os.environ.setdefault('HF_HUB_DISABLE_PROGRESS_BARS', '1'); _os.environ.setdefault('TRANSFORMERS_VERBOSITY', 'error')
    import tqdm as _tqdm
    _init = _tqdm.tqdm.__init__
    def _quiet_init(self, *args, **kwargs): kwargs['disable'] = True; _init(self, *args, **kwargs)
    _tqdm.tqdm.__init__ = _quiet_init
    from transformers.utils import logging as _hf_logging
    _hf_logging.set_verbosity_error(); _hf_logging.disable_progress_bar()
