/** Entry point of the control worker: workflows and light activities. */
import { runQueueWorkerMain } from './main';

void runQueueWorkerMain('control');
