/** Entry point of the GPU worker: training activities, one slot per GPU. */
import { runQueueWorkerMain } from './main';

void runQueueWorkerMain('gpu');
