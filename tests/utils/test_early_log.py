"""Lines logged before the Runner's log file exists end up at its top."""
import logging

import pytest
from mmengine.logging import MMLogger, print_log

from dscnet_plugin.utils.early_log import collect_early_records, write_early_records


def _file_logger(path, name):
    logger = logging.getLogger(name)
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter('%(levelname)s %(message)s'))
    logger.addHandler(handler)
    return logger, handler


def test_collected_lines_are_written_to_the_file_once(tmp_path):
    MMLogger.get_instance('early_log_test')  # the current logger before the Runner's
    with collect_early_records():
        print_log('inputs checked: 1 annotation file(s)', logger='current')
        print_log('a warning', logger='current', level=logging.WARNING)
    print_log('after the block', logger='current')
    logger, handler = _file_logger(tmp_path / 'run.log', 'early_log_test_file')
    write_early_records(logger)
    write_early_records(logger)  # once only
    handler.close()
    logger.removeHandler(handler)
    assert (tmp_path / 'run.log').read_text() == (
        'INFO inputs checked: 1 annotation file(s)\nWARNING a warning\n')


def test_a_failed_check_leaves_nothing(tmp_path):
    MMLogger.get_instance('early_log_test_2')
    with pytest.raises(ValueError), collect_early_records():
        print_log('checked half', logger='current')
        raise ValueError('bad input')
    logger, handler = _file_logger(tmp_path / 'run.log', 'early_log_test_file_2')
    write_early_records(logger)
    handler.close()
    logger.removeHandler(handler)
    assert (tmp_path / 'run.log').read_text() == ''
