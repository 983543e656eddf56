import re

import peakscope


def test_version_is_the_projects():
    assert re.fullmatch(r"\d+\.\d+\.\d+", peakscope.__version__)
