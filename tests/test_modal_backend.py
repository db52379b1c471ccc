"""The `modal` backend end to end on this machine, with Modal's server stood in for (`modal_app.local_modal`).

Nothing here contacts Modal: the Volumes are folders (`LocalVolume`, which raises what Modal's client raises), and
the remote functions run with `.local()` (`LocalFunction`). What is tested is our side: uploads that count only when
complete, the first use of an empty Volume, weights fetched once before the fan-out, CPU-sized conditions kept
here, failures reported after every finished run was downloaded, refusals that name the backend, no GPU function
running without CUDA, and a clear error without a token.
"""
import json, warnings
from dataclasses import asdict
from pathlib import Path
import modal
import pytest
from vjepa_policy import modal_app as ma
from vjepa_policy.core import stage_settings, OutputError


def quiet(_): pass


@pytest.fixture(autouse=True)
def restored():
    "Every test leaves the module as it found it (stand-ins swapped by `local_modal` are swapped back)."
    before = {k: getattr(ma, k) for k in ('data_volume', 'hf_volume', 'encode_remote', 'sac_remote', 'pretrain_remote',
                                          'prefetch_remote', 'modal_session', 'HF_CACHE', 'REMOTE_DTYPE')}
    with warnings.catch_warnings():
        warnings.filterwarnings('ignore', message='.*executing locally and will not have access')
        yield
    assert {k: getattr(ma, k) for k in before} == before


def test_first_use_uploads_then_marks_complete(tiny, tmp_path):
    "An empty Volume: listing the dataset's folder raises Modal's NotFoundError, read as absent; the marker comes last."
    with ma.local_modal(tmp_path/'modal') as m:
        vol, key = m['data_volume'], ma.dataset_key(tiny)
        with pytest.raises(modal.exception.NotFoundError): vol.listdir(f'datasets/{key}')
        rows = ma.encode_with_modal(tiny, ['vjepa2-tiny-random'], tmp_path/'stage', progress=False, log=quiet)
        assert rows[0]['clips'] == 3 * (10 + 1) and ma.on_volume(vol, f'datasets/{key}')
        marker = json.loads((vol.root/'datasets'/key/ma.MARKER).read_text())
        assert marker['files'] == sum(1 for p in tiny.rglob('*') if p.is_file())
        n = vol.uploads
        ma.encode_with_modal(tiny, ['vjepa2-tiny-random'], tmp_path/'stage', progress=False, log=quiet)
        assert vol.uploads == n                                               # complete: not uploaded again


def test_half_finished_upload_is_not_present(tiny, tmp_path):
    "An upload cut off half way leaves files but no marker: the next run uploads again instead of using them."
    class Cut(ma.LocalVolume):
        def _write(self, data, dst, force):
            if self.uploads >= 3: raise ConnectionError('connection lost (test)')
            super()._write(data, dst, force)
    with ma.local_modal(tmp_path/'modal') as m:
        cut = Cut(m['data_volume'].root)
        ma.data_volume = cut                          # local_modal restores what it swapped
        with pytest.raises(ConnectionError): ma.upload_dataset(tiny, log=quiet)
        remote = f'datasets/{ma.dataset_key(tiny)}'
        assert any((cut.root/remote).rglob('*')) and not ma.on_volume(cut, remote)
        ma.data_volume = m['data_volume']
        ma.encode_with_modal(tiny, ['vjepa2-tiny-random'], tmp_path/'stage', progress=False, log=quiet)
        assert ma.on_volume(m['data_volume'], remote)


def test_on_volume_reads_both_missing_errors_as_absent():
    class Missing:
        def __init__(self, exc): self.exc = exc
        def listdir(self, path, recursive=False): raise self.exc
    assert not ma.on_volume(Missing(modal.exception.NotFoundError('no such path')), 'datasets/x')
    assert not ma.on_volume(Missing(FileNotFoundError('datasets/x')), 'datasets/x')
    with pytest.raises(modal.exception.AuthError): ma.on_volume(Missing(modal.exception.AuthError('token')), 'datasets/x')


def test_cpu_conditions_run_here_and_weights_are_fetched_first(tiny, tmp_path):
    "state and noise never reach a container; hub weights are prefetched once, before any GPU function runs."
    events = []
    with ma.local_modal(tmp_path/'modal') as m:
        class Recorder(ma.LocalFunction):
            def local(self, *a, **kw):
                events.append(('encode', a[:2]))
                return super().local(*a, **kw)
        ma.encode_remote = Recorder(m['encode_remote'].fn, root=m['encode_remote'].inject['root'])   # restored by local_modal
        prefetched = []
        class Prefetch:
            def with_options(self, **kw): prefetched.append(kw); return self
            def remote(self, models): events.append(('prefetch', tuple(models))); return []
        ma.prefetch_remote = Prefetch()
        models = {'vjepa2-tiny-random': 'someone/some-vjepa2'}                  # a hub id: prefetched, never downloaded here
        rows = ma.encode_with_modal(tiny, ['state', 'vjepa2-tiny-random', 'noise'], tmp_path/'stage', models=models,
                                    progress=False, log=quiet)
        assert [r['condition'] for r in rows] == ['state', 'vjepa2-tiny-random', 'noise']
        assert events[0] == ('prefetch', ('someone/some-vjepa2',)) and len(events) == 2
        assert events[1][1] == (f'datasets/{ma.dataset_key(tiny)}', 'vjepa2-tiny-random')
        assert prefetched == [dict(secrets=[])]
        on_vol = {p.name for p in (m['data_volume'].root/'embeddings').rglob('*.zarr')}
        assert on_vol == {'vjepa2-tiny-random.zarr'}
    assert {p.name for p in (tmp_path/'stage').iterdir()} == {'state.zarr', 'noise.zarr', 'vjepa2-tiny-random.zarr'}


def test_local_model_folder_uploaded_once_by_content(tiny, tmp_path):
    from vjepa_policy.encoders import save_tiny_models
    folder = save_tiny_models(tmp_path/'models')['vjepa2']
    with ma.local_modal(tmp_path/'modal') as m:
        hf = m['hf_volume']
        rows = ma.encode_with_modal(tiny, ['vjepa2'], tmp_path/'stage', models={'vjepa2': str(folder)}, progress=False, log=quiet)
        n, h = hf.uploads, ma.folder_hash(folder)
        assert ma.on_volume(hf, f'models/{h}') and n > 0
        ma.encode_with_modal(tiny, ['vjepa2'], tmp_path/'stage2', models={'vjepa2': str(folder)}, progress=False, log=quiet)
        assert hf.uploads == n
    import zarr
    spec = zarr.open_group(str(tmp_path/'stage'/'vjepa2.zarr'), mode='r').attrs['spec']
    assert spec['encoder']['model'].endswith(f'models/{h}') and rows[0]['condition'] == 'vjepa2'


def test_precision_mismatch_names_the_backend(tiny, tmp_path):
    "A local store of another precision is refused before anything is uploaded; --force replaces it."
    import zarr
    stage = tmp_path/'stage'
    with ma.local_modal(tmp_path/'modal') as m:
        ma.encode_with_modal(tiny, ['vjepa2-tiny-random'], stage, progress=False, log=quiet)
        g = zarr.open_group(str(stage/'vjepa2-tiny-random.zarr'), mode='r+')
        spec = dict(g.attrs['spec']); g.attrs['spec'] = dict(spec, encoder=dict(spec['encoder'], dtype='bfloat16'))
        n = m['data_volume'].uploads
        with pytest.raises(OutputError) as e:
            ma.encode_with_modal(tiny, ['vjepa2-tiny-random'], stage, progress=False, log=quiet)
        for s in ('precision: stored bfloat16', 'the modal backend computes in float32', '--backend local', '--force'):
            assert s in str(e.value), (s, str(e.value))
        assert m['data_volume'].uploads == n                                  # refused before any remote work
        ma.encode_with_modal(tiny, ['vjepa2-tiny-random'], stage, force=True, progress=False, log=quiet)
        assert zarr.open_group(str(stage/'vjepa2-tiny-random.zarr'), mode='r').attrs['spec']['encoder']['dtype'] == 'float32'


def test_fetch_refuses_a_local_output_of_another_key(tmp_path):
    vol = ma.LocalVolume(tmp_path/'vol', leading_slash=True)
    (vol.root/'runs/a').mkdir(parents=True)
    (vol.root/'runs/a/curve.json').write_text(json.dumps(dict(key=dict(gamma=0.99, encoder=dict(dtype='bfloat16')))))
    (vol.root/'runs/a/.agent.pt.x.tmp').write_bytes(b'half-written')
    local = tmp_path/'stage/a'; local.mkdir(parents=True)
    (local/'curve.json').write_text(json.dumps(dict(key=dict(gamma=0.98, encoder=dict(dtype='bfloat16')))))
    read = lambda p: json.loads((Path(p)/'curve.json').read_text())['key']
    with pytest.raises(OutputError, match='gamma: stored 0.98, new 0.99'): ma.fetch('/runs/a/', local, read, 'a SAC run', volume=vol)
    assert read(local)['gamma'] == 0.98 and not list(local.parent.glob('.a.download-*'))    # untouched, no leftovers
    ma.fetch('/runs/a/', local, read, 'a SAC run', force=True, volume=vol)
    assert read(local)['gamma'] == 0.99 and sorted(p.name for p in local.iterdir()) == ['curve.json']


SAC = dict(total_steps=40, n_envs=2, episode_len=20, learning_starts=20, eval_every=40, eval_episodes=2, batch_size=8,
           buffer_size=400, checkpoint_every=20, updates_per_step=0.25)


def test_sac_fan_out_loses_nothing(tmp_path):
    "One remote run fails: every other run is downloaded (or trained here), then one error names the failed run."
    cfg = stage_settings('sac', 'smoke', dict(SAC, conditions=['state', 'pixels'], seeds=[0, 1]))
    stage = tmp_path/'sac'
    with ma.local_modal(tmp_path/'modal') as m:
        class Lost(ma.LocalFunction):
            def local(self, *a, **kw):
                if a[1:3] == ('pixels', 1): raise RuntimeError('container preempted three times (test)')
                return super().local(*a, **kw)
        lost = Lost(m['sac_remote'].fn, root=m['sac_remote'].inject['root'])
        ma.sac_remote = lost                                                  # restored by local_modal
        with pytest.raises(ma.RemoteRunsFailed) as e: ma.sac_with_modal('reacher-easy', cfg, stage, progress=False, log=quiet)
        assert '1 of 4 SAC runs failed' in str(e.value) and '(pixels, seed 1): RuntimeError: container preempted' in str(e.value)
        assert lost.options == [dict(gpu='H100')]
        from vjepa_policy.sac import condition_config
        on_vol = m['data_volume'].root/ma.sac_run_path('reacher-easy', 'pixels', condition_config(cfg, 'pixels', 0))
        assert (on_vol/'curve.json').exists()
        assert not any((m['data_volume'].root/'sac').rglob('state'))             # state never went to the Volume
    for c, s in [('state', 0), ('state', 1), ('pixels', 0)]:
        assert (stage/c/f'seed{s}'/'curve.json').exists() and (stage/c/f'seed{s}'/'agent.pt').exists(), (c, s)
    assert not (stage/'pixels'/'seed1').exists()
    # run again with the container back: the finished runs are reused, the failed one runs, all rows come back
    with ma.local_modal(tmp_path/'modal'):
        rows = ma.sac_with_modal('reacher-easy', cfg, stage, progress=False, log=quiet)
    assert sorted({(r['condition'], r['seed']) for r in rows}) == [('pixels', 0), ('pixels', 1), ('state', 0), ('state', 1)]


def test_sac_refuses_an_unfinished_local_run(tmp_path):
    cfg = stage_settings('sac', 'smoke', dict(SAC, conditions=['pixels'], seeds=[0]))
    d = tmp_path/'sac'/'pixels'/'seed0'; d.mkdir(parents=True); (d/'checkpoint.pt').write_bytes(b'x')
    with ma.local_modal(tmp_path/'modal'):
        with pytest.raises(OutputError, match='unfinished run of the local backend'):
            ma.sac_with_modal('reacher-easy', cfg, tmp_path/'sac', progress=False, log=quiet)


def test_encode_stage_dispatches_to_the_modal_backend(tiny, tmp_path):
    from vjepa_policy.encode import encode_conditions
    cfg = stage_settings('encode', 'smoke', dict(conditions=['noise', 'vjepa2-tiny-random'], backend='modal'))
    with ma.local_modal(tmp_path/'modal') as m:
        rows = encode_conditions(tiny, cfg, tmp_path/'stage', progress=False)
        assert m['encode_remote'].options == [dict(gpu=cfg.gpu)]
    assert [r['condition'] for r in rows] == ['noise', 'vjepa2-tiny-random']


def test_no_gpu_function_runs_without_cuda(tiny, tmp_path, monkeypatch):
    "In a container (modal.is_local() False) without CUDA, each GPU function stops before it touches any data."
    monkeypatch.setattr(modal, 'is_local', lambda: False)
    root = tmp_path/'vol'; (root/'datasets').mkdir(parents=True)
    import shutil; shutil.copytree(tiny, root/'datasets'/'tiny')
    with pytest.raises(ma.GPUUnavailableError, match='instead of running at CPU speed'):
        ma.encode_remote.local('datasets/tiny', 'vjepa2-tiny-random', 'embeddings/x.zarr', root=str(root))
    cfg = stage_settings('sac', 'smoke', dict(SAC, conditions=['pixels'], seeds=[0]))
    with pytest.raises(ma.GPUUnavailableError): ma.sac_remote.local('reacher-easy', 'pixels', 0, asdict(cfg), root=str(root))
    with pytest.raises(ma.GPUUnavailableError): ma.pretrain_remote.local('datasets/tiny', {}, 'pretrain/x', root=str(root))
    assert sorted(p.name for p in root.iterdir()) == ['datasets']


def test_missing_token_is_named_before_any_work(tiny, tmp_path, monkeypatch):
    for k in ('MODAL_TOKEN_ID', 'MODAL_TOKEN_SECRET', 'MODAL_OAUTH_REFRESH_TOKEN'): monkeypatch.delenv(k, raising=False)
    monkeypatch.setattr(modal.config.config, 'get', lambda key, **kw: None)          # and no ~/.modal.toml profile
    with pytest.raises(ma.ModalSetupError, match='modal token new'):
        ma.encode_with_modal(tiny, ['state', 'vjepa2-tiny-random'], tmp_path/'stage', progress=False, log=quiet)
    assert not (tmp_path/'stage').exists()
    rows = ma.encode_with_modal(tiny, ['state', 'noise'], tmp_path/'stage', progress=False, log=quiet)   # CPU only: no token needed
    assert [r['condition'] for r in rows] == ['state', 'noise']


def test_missing_hf_secret_is_named(monkeypatch):
    class NoSecret:
        def with_options(self, **kw): return self
        def remote(self, models): raise modal.exception.NotFoundError("Secret 'huggingface' not found")
    monkeypatch.setattr(ma, 'prefetch_remote', NoSecret())
    monkeypatch.setenv(ma.HF_SECRET_VAR, 'huggingface')
    with pytest.raises(ma.ModalSetupError, match='modal secret create huggingface HF_TOKEN='):
        ma.prefetch_weights(['facebook/vjepa2-vitl-fpc64-256'], log=quiet)
    monkeypatch.delenv(ma.HF_SECRET_VAR)
    with pytest.raises(modal.exception.NotFoundError): ma.prefetch_weights(['facebook/vjepa2-vitl-fpc64-256'], log=quiet)


def test_functions_reserve_cores_and_memory():
    for name in ('encode_remote', 'sac_remote', 'pretrain_remote', 'prefetch_remote'):
        spec = getattr(ma, name)._spec_                                             # what the decorator recorded
        want = ma.RESOURCES[name.split('_')[0]]
        assert (spec.cpu, spec.memory) == (want['cpu'], want['memory']), name
    assert ma.sac_remote._spec_.gpus == 'A10G' and ma.prefetch_remote._spec_.gpus is None
    assert ma.RESOURCES['sac']['cpu'] >= ma.SAC_WORKERS
