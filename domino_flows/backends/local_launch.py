"""How a local job's process starts: forked warm by the launcher when its command is the kit's
entrypoint on the runner's own interpreter (``local_warm``), else through ``/bin/sh -c``, in the
job's mount namespace when it has one (``local_mounts``)."""

from __future__ import annotations

import subprocess
import threading
import weakref
from pathlib import Path
from typing import IO

from domino_flows.backends import local_environment, local_mounts, local_warm
from domino_flows.backends import local_jobdir as jobdir
from domino_flows.backends.base import JobSpec, JobState
from domino_flows.backends.local_jobdir import slug
from domino_flows.backends.local_jobs import KIT_PREFIX
from domino_flows.core.project import EnvironmentSettings, HardwareTierSettings, ProjectSettings


class Launching:
    """Mixed into the local backend: starting a job's process."""

    project_root: Path
    settings: ProjectSettings
    _lock: threading.Lock
    _warm: local_warm.WarmLauncher | None
    _shims: dict[str, Path]  # environment name -> its shim folder, checked once per run

    def _launch(
        self,
        spec: JobSpec,
        directory: Path,
        environment: EnvironmentSettings,
        tier: HardwareTierSettings,
        job_id: str,
        filesystem: local_mounts.Decision,
    ) -> tuple[subprocess.Popen[bytes] | None, list[IO[bytes]]]:
        """Start the job's process in its own session; on failure record Error and say why."""
        problem = local_environment.launch_problem(environment)
        if problem is None:
            project_id = f"local-{slug(self.settings.project_name)}"
            variables = local_environment.job_variables(
                self.project_root,
                self.settings,
                directory,
                environment,
                tier,
                job_id,
                project_id,
                self._shims,
            )
            variables.update(spec.environment)  # the kit's tracking: MLflow run, stats file
            plan = filesystem.plan
            if plan is not None:
                variables.update(local_mounts.variables(plan))
            interpreter = local_environment.real_interpreter(environment.interpreter)
            target = local_warm.warm_target(
                spec.config.Command, interpreter, environment.command_prefix
            )
            warm_failure = ""
            if target is not None:
                try:
                    child = self._warm_launcher().spawn(
                        target,
                        self.project_root,
                        variables,
                        directory / "stdout.log",
                        directory / "stderr.log",
                        plan.as_request() if plan else None,
                    )
                    return child, []  # type: ignore[return-value]
                except OSError as error:
                    # a warm start is only a faster start: a job the launcher cannot start
                    # starts cold, as it would with DOMINO_FLOWS_WARM_JOBS=0
                    warm_failure = f"{KIT_PREFIX} warm start failed ({error}); starting cold\n"
            # append mode: our own notes in stderr.log never collide with the job's writes
            logs: list[IO[bytes]] = [
                (directory / name).open("ab") for name in ("stdout.log", "stderr.log")
            ]
            if warm_failure:
                logs[1].write(warm_failure.encode())
                logs[1].flush()
            try:
                argv = [
                    "/bin/sh",
                    "-c",
                    local_environment.command_line(spec.config.Command, environment),
                ]
                popen = subprocess.Popen(
                    local_mounts.wrap(plan, argv) if plan else argv,
                    cwd=self.project_root,
                    env=variables,
                    stdin=subprocess.DEVNULL,
                    stdout=logs[0],
                    stderr=logs[1],
                    start_new_session=True,
                )
                return popen, logs
            except OSError as error:
                for handle in logs:
                    handle.close()
                problem = f"the local job could not start: {error}"
        jobdir.write_status(directory, JobState.ERROR, f"task {spec.task!r}: {problem}", None)
        return None, []

    def warm_up(self) -> None:
        """Start the warm launcher before the first job: it imports flytekit (about a second of
        CPU) on another core while the run prepares and records itself, instead of while the
        first job waits for it. Nothing when warm starts are off."""
        if local_warm.enabled():
            launcher = self._warm_launcher()
            if not launcher.started:  # the launcher started before the flow loaded is running
                launcher.start()

    def _warm_launcher(self) -> local_warm.WarmLauncher:
        """The process that forks @domino_task jobs with flytekit already imported."""
        with self._lock:
            if self._warm is None:
                environment = local_warm.launcher_environment()
                self._warm = local_warm.claim_early(environment) or local_warm.WarmLauncher(
                    environment
                )
                # A backend dropped without close() still ends its launcher when it is freed.
                weakref.finalize(self, self._warm.close)
            return self._warm
