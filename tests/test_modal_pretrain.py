"""The pretrain stage's `modal` backend: `pretrain_remote` with `.local()`, and `pretrain_with_modal` end to end with
Modal's server stood in for (`modal_app.local_modal`). Needs `vjepa_policy.pretrain` (the stage's module)."""
import warnings
from dataclasses import asdict, replace
import pytest
from vjepa_policy import modal_app as ma
from vjepa_policy.core import stage_settings, fingerprint
from vjepa_policy.pretrain import pretrain


@pytest.fixture
def cfg():
    return stage_settings('pretrain', 'smoke', dict(steps=4, diag_every=2, checkpoint_every=2))


@pytest.fixture(autouse=True)
def quiet_modal():
    with warnings.catch_warnings():
        warnings.filterwarnings('ignore', message='.*executing locally and will not have access')
        yield


def test_pretrain_remote_local(tiny, cfg, tmp_path):
    root = tmp_path/'vol'; (root/'datasets').mkdir(parents=True)
    import shutil; shutil.copytree(tiny, root/'datasets'/'tiny')
    out = ma.pretrain_remote.local('datasets/tiny', asdict(replace(cfg, backend='modal')), 'pretrain/x', root=str(root))
    assert (root/'pretrain/x/model/config.json').exists() and (root/'pretrain/x/train.pt').exists()
    assert out['result'][0]['kind'] == 'summary' and out['runtime']['gl']['renderer']     # backend 'modal' did not recurse


def test_pretrain_with_modal_uploads_once_and_downloads(tiny, cfg, tmp_path):
    with ma.local_modal(tmp_path/'modal') as m:
        rows = ma.pretrain_with_modal(tiny, replace(cfg, backend='modal'), tmp_path/'stage', log=lambda s: None)
        vol, key = m['data_volume'], ma.dataset_key(tiny)
        assert ma.on_volume(vol, f'datasets/{key}')                                     # the same upload as encode's
        assert (vol.root/'pretrain'/key/fingerprint(cfg.key())/'train.pt').exists()
        n = vol.uploads
        again = pretrain(tiny, replace(cfg, backend='modal'), tmp_path/'stage', progress=False)   # the stage's own dispatch
        assert vol.uploads == n and m['pretrain_remote'].options == [dict(gpu=cfg.gpu)] * 2
    assert rows[0]['kind'] == 'summary' and again[0]['kind'] == 'summary'
    assert (tmp_path/'stage/model/config.json').exists() and (tmp_path/'stage/train.pt').exists()
    assert not list((tmp_path/'stage').rglob('*.tmp')) and not list((tmp_path/'stage').rglob(ma.MARKER))
