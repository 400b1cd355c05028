import pytest

from catalog.tasks import scheduled_sync
from giftoffice.task_paths import task_path


def test_task_path_of_a_module_level_function_is_its_importable_dotted_path():
    assert task_path(scheduled_sync) == "catalog.tasks.scheduled_sync"


def test_task_path_refuses_a_function_a_worker_could_not_import():
    def local_task() -> None:
        pass

    with pytest.raises(ValueError) as caught:
        task_path(local_task)

    assert str(caught.value) == (
        "tests.core.test_task_paths.test_task_path_refuses_a_function_a_worker_could_not_import."
        "<locals>.local_task is not importable by that path; schedule a module-level function"
    )
